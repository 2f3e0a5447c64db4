/** Collects positional parameters ($1, $2, …) while a query is assembled from parts. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
