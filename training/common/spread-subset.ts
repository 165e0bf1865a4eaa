/**
 * A deterministic, language-balanced subset of a manifest-ordered list, for in-training dev
 * evaluation: corpus manifests are sorted by language, so "the first N rows" speak of one
 * language only. Each language gets an equal share of `n` (a language with fewer items gives
 * its unused share to the others), taken at evenly spaced positions within that language, and
 * the chosen indices come back in the list's own order.
 */
export function spreadByLanguage<T>(items: readonly T[], n: number, langOf: (item: T) => string | number): number[] {
  if (!(n > 0) || n >= items.length) return items.map((_, i) => i);
  const groups = new Map<string | number, number[]>();
  items.forEach((it, i) => {
    const key = langOf(it);
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  // Equal shares, smallest languages first so their leftovers go to the larger ones.
  const lists = [...groups.values()].sort((a, b) => a.length - b.length);
  const quota = new Map<number[], number>();
  let left = n;
  lists.forEach((g, k) => {
    const q = Math.min(g.length, Math.floor(left / (lists.length - k)));
    quota.set(g, q);
    left -= q;
  });
  // Whatever floor() left over goes one each to the largest languages that still have room.
  while (left > 0) {
    for (let k = lists.length - 1; k >= 0 && left > 0; k--) {
      const g = lists[k]!;
      if (quota.get(g)! < g.length) {
        quota.set(g, quota.get(g)! + 1);
        left--;
      }
    }
  }
  const chosen: number[] = [];
  for (const g of lists) {
    const q = quota.get(g)!;
    for (let j = 0; j < q; j++) chosen.push(g[Math.floor(((j + 0.5) * g.length) / q)]!);
  }
  return chosen.sort((a, b) => a - b);
}
