// Allocates numbers from a named sequence (1, 2, 3, …) in the state store's `id_sequences` table:
// one row per sequence holding the next number. An allocation is one `UPDATE … SET next_value =
// next_value + 1 … RETURNING` in a transaction (BEGIN IMMEDIATE on SQLite, a row lock on
// PostgreSQL), so API processes sharing the store never get the same number. A number whose use
// fails afterwards is skipped, never reused (as a database sequence does).
import type { Db } from '../db/open.ts';

/** Hands out numbers, each once. */
export interface NumberAllocator {
  next(): Promise<number>;
}

export interface SequenceOptions {
  /**
   * The first number of a sequence that has no row yet (default 1). An upgrade uses it to start past
   * numbers handed out before the sequence lived here. It may run in several processes at once; the
   * first row written wins.
   */
  first?: () => Promise<number>;
  /** Runs once the row exists, in the one process whose row was written (e.g. retiring the old source). */
  seeded?: (first: number) => Promise<void>;
}

export class SequenceAllocator implements NumberAllocator {
  constructor(
    private readonly db: Db,
    readonly name: string,
    private readonly opts: SequenceOptions = {},
  ) {}

  async next(): Promise<number> {
    for (;;) {
      const got = await this.db.kysely.transaction().execute(
        async (trx) =>
          await trx
            .updateTable('id_sequences')
            .set((eb) => ({ next_value: eb('next_value', '+', 1) }))
            .where('name', '=', this.name)
            .returning('next_value')
            .executeTakeFirst(),
      );
      if (got) return Number(got.next_value) - 1;
      await this.create();
    }
  }

  /** Writes the sequence's row, unless another process did first. */
  private async create(): Promise<void> {
    // Outside any transaction: `first` may ask another system (SQLite's lock must not wait for it).
    const first = Math.max(1, Math.floor((await this.opts.first?.()) ?? 1));
    const written = await this.db.kysely
      .insertInto('id_sequences')
      .values({ name: this.name, next_value: first })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('name')
      .executeTakeFirst();
    if (written) await this.opts.seeded?.(first);
  }
}
