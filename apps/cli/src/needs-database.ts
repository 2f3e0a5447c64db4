/** Thrown by a command of the offline pass (offline.module.ts) that needs the database to run. */
export class NeedsDatabase extends Error {
  constructor() {
    super('this command needs the database');
  }
}
