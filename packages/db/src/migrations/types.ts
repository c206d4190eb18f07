/** One committed SQL migration, embedded in the package by scripts/embed-migrations.mjs. */
export interface Migration {
  /** Folder name under prisma/<provider>/migrations, such as `0001_init`; migrations apply in name order. */
  name: string;
  /** SHA-256 of the SQL, recorded when applied so that a changed migration is noticed. */
  checksum: string;
  sql: string;
}
