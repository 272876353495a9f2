// Imports T4Client from the library entry point and exits: the cold start of a script that only
// wants the client (bench/cold_start.ts compares it with bench/hello.ts).
import { T4Client } from "../mod.ts";

console.log(typeof T4Client);
