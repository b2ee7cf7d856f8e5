// deltaprop explore: how the page writes a number. Every number shown goes through f, so
// the tests know the digits shown: five significant digits, or 4 after the point in
// scientific form for very large or very small values. A missing value (JSON's null: the
// server sends inf and NaN as null) is "–".

export function f(v) {
  if (v == null || Number.isNaN(v)) return "–";
  if (v === 0) return "0";
  const m = Math.abs(v);
  return m >= 1e4 || m < 1e-3 ? v.toExponential(4) : v.toPrecision(5);
}

// A whole number, as it is.
export const int = (v) => (v == null ? "–" : String(v));
