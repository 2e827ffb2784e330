import { tableFromIPC, type Table } from "apache-arrow";
import { readParquet } from "parquet-wasm";

/** A Parquet file read by an independent reader (Rust's parquet crate via WebAssembly, into Arrow). */
export function readParquetTable(bytes: Uint8Array): Table {
  return tableFromIPC(readParquet(bytes).intoIPCStream());
}

/** A column's type as Arrow names it, "?" after a nullable one: "List<Utf8>", "Int32?". */
export function columnTypes(table: Table): Record<string, string> {
  return Object.fromEntries(table.schema.fields.map((f) => [f.name, `${String(f.type)}${f.nullable ? "?" : ""}`]));
}

/** A table's rows as plain values: lists as arrays, INT64 (bigint) as numbers; nulls stay null. */
export function plainRows(table: Table): Array<Record<string, unknown>> {
  const plain = (value: unknown): unknown => {
    if (typeof value === "bigint") return Number(value);
    if (value !== null && typeof value === "object" && "toArray" in value) return [...(value as unknown as Iterable<unknown>)].map(plain);
    return value;
  };
  return table.toArray().map((row: { toJSON(): Record<string, unknown> }) => Object.fromEntries(Object.entries(row.toJSON()).map(([k, v]) => [k, plain(v)])));
}
