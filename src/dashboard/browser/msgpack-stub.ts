// The page speaks the JSON subprotocol only; the browser build replaces msgpackr with this stub
// so the codec module loads without it (and the bundle stays small).
const unavailable = (): never => {
  throw new Error('msgpack is not available in the status page; it uses the rdd.v1.json subprotocol');
};

export class Packr {
  pack(_v: unknown): never {
    return unavailable();
  }
}

export class Unpackr {
  unpack(_b: unknown): never {
    return unavailable();
  }
}
