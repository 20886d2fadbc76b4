// A page has no endpoint file: it dials its own origin with its session (see main.ts).
import { ApiError } from '../../api/errors.js';

export function readEndpointFile(file: string): never {
  throw new ApiError(400, 'BadRequest', `the status page cannot read ${file}; it connects to its own origin`);
}
