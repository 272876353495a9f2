/**
 * "Did you mean" suggestions; the implementation lives in the runtime layer so that the simulator
 * (which may not import the workflow layer) suggests options the same way.
 *
 * @module
 */

export { didYouMean } from "../runtime/did_you_mean.ts";
