/** A record as a file format yields it, before it is mapped into a dataset row. */
export interface RawRecord {
  value: unknown;
  /** Where in its file the record is, for messages: `line 17`, `row 17 of row group 2`. */
  at: string;
}
