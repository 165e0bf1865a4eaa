/** A little-endian gettext .mo catalog of the given (msgid, msgstr) entries, as msgfmt lays it out (without the hash table). */
export function moCatalog(entries: Array<[string, string]>): Buffer {
  const enc = entries.map(([a, b]) => [Buffer.from(a), Buffer.from(b)] as const);
  const n = enc.length;
  const origTable = 28;
  const transTable = origTable + 8 * n;
  let offset = transTable + 8 * n;
  const buf = Buffer.alloc(offset + enc.reduce((s, [a, b]) => s + a.length + b.length + 2, 0));
  buf.writeUInt32LE(0x950412de, 0);
  buf.writeUInt32LE(0, 4);
  buf.writeUInt32LE(n, 8);
  buf.writeUInt32LE(origTable, 12);
  buf.writeUInt32LE(transTable, 16);
  for (const [col, table] of [[0, origTable], [1, transTable]] as const) {
    enc.forEach((e, i) => {
      const s = e[col];
      buf.writeUInt32LE(s.length, table + 8 * i);
      buf.writeUInt32LE(offset, table + 8 * i + 4);
      s.copy(buf, offset);
      offset += s.length + 1;
    });
  }
  return buf;
}
