// Kubernetes resource quantities ("2Gi", "1500M", "4294967296"), parsed to a number of bytes.
//
// The grammar is apimachinery's resource.Quantity, exactly:
//   <quantity>        ::= <signedNumber><suffix>
//   <signedNumber>    ::= <number> | <sign><number>        <sign> ::= "+" | "-"
//   <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
//   <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
//   <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
//   <decimalSI>       ::= m | "" | k | M | G | T | P | E
//   <decimalExponent> ::= "e" <sign?><digits> | "E" <sign?><digits>
// apimachinery's parser accepts only an integer exponent, so "1e1.5" is refused here too. There
// is no whitespace, no "K", no "e" without digits ("1E" is one exa, "1E3" is one thousand).

const NUMBER = String.raw`[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)`;
const QUANTITY = new RegExp(String.raw`^(${NUMBER})(?:([KMGTPE]i)|[eE]([+-]?[0-9]+)|([mkMGTPE]?))$`);

const BINARY_POWER: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_POWER: Record<string, number> = { '': 0, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/**
 * The value of a quantity (string or number), or undefined when it does not parse or is not a
 * finite number (too large for a double). Callers can rely on a defined result being finite.
 */
export function parseQuantity(q: string | number): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  const m = QUANTITY.exec(q);
  if (!m) return undefined;
  const [, num = '', binary, exponent, decimal] = m;
  let value: number;
  if (binary !== undefined) {
    // Scaling by a power of two is exact in binary floating point.
    value = Number(num) * 2 ** (BINARY_POWER[binary] ?? 0);
  } else {
    // Let Number() apply the power of ten, so "1.1G" is correctly rounded (1.1 * 1e9 is not).
    const power = exponent !== undefined ? Number(exponent) : (DECIMAL_POWER[decimal ?? ''] ?? 0);
    if (!Number.isSafeInteger(power)) return undefined;
    value = Number(`${num}e${power}`);
  }
  return Number.isFinite(value) ? value : undefined;
}

/** Formats bytes the way Lima's go-units sizes read best: whole GiB/MiB when exact. */
export function formatBinary(bytes: number): string {
  for (const [unit, size] of [['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}
