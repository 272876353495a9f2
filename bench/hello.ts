// Hello world of the same runtime, the baseline of the cold-start benchmark (bench/cold_start.ts).
console.log("hello");
