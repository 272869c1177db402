import { BackendUnavailableError } from "../../core/errors.js";

/** Redis could not be reached (or answered with an error); the message names the URL, password hidden. */
export class RedisUnavailableError extends BackendUnavailableError {}
