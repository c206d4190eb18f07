-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "email" TEXT,
    "name" TEXT,
    "created_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "contexts" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,
    CONSTRAINT "contexts_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "memories" (
    "seq" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "id" TEXT NOT NULL,
    "context_id" TEXT NOT NULL,
    "author_id" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "search_text" TEXT NOT NULL,
    "metadata" JSONB NOT NULL,
    "source" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "created_at" DATETIME NOT NULL,
    "updated_at" DATETIME NOT NULL,
    "expires_at" DATETIME,
    CONSTRAINT "memories_context_id_fkey" FOREIGN KEY ("context_id") REFERENCES "contexts" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "memories_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "memory_tags" (
    "memory_id" TEXT NOT NULL,
    "tag" TEXT NOT NULL,

    PRIMARY KEY ("memory_id", "tag"),
    CONSTRAINT "memory_tags_memory_id_fkey" FOREIGN KEY ("memory_id") REFERENCES "memories" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "revisions" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "memory_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "operation" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "context_id" TEXT NOT NULL,
    "tags" JSONB NOT NULL,
    "metadata" JSONB NOT NULL,
    "author_id" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,
    CONSTRAINT "revisions_context_id_fkey" FOREIGN KEY ("context_id") REFERENCES "contexts" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "revisions_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "contexts_owner_id_name_key" ON "contexts"("owner_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "memories_id_key" ON "memories"("id");

-- CreateIndex
CREATE INDEX "memories_context_id_created_at_idx" ON "memories"("context_id", "created_at");

-- CreateIndex
CREATE INDEX "memories_created_at_idx" ON "memories"("created_at");

-- CreateIndex
CREATE INDEX "memories_expires_at_idx" ON "memories"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "memories_context_id_content_hash_key" ON "memories"("context_id", "content_hash");

-- CreateIndex
CREATE INDEX "memory_tags_tag_idx" ON "memory_tags"("tag");

-- CreateIndex
CREATE INDEX "revisions_author_id_idx" ON "revisions"("author_id");

-- CreateIndex
CREATE UNIQUE INDEX "revisions_memory_id_version_key" ON "revisions"("memory_id", "version");


-- Hand-written below: what the Prisma schema cannot express.

-- Full-text index over memories.search_text, which holds the normalized words of the content
-- separated by single spaces. The text is stored once, in memories (external content), and
-- the ascii tokenizer splits only on ASCII non-alphanumerics, so the words written by the
-- application reach the index unchanged.
CREATE VIRTUAL TABLE "memories_fts" USING fts5(
    search_text,
    content = 'memories',
    content_rowid = 'seq',
    tokenize = 'ascii'
);

-- The triggers keep the index in the same transaction as every write to memories.
CREATE TRIGGER "memories_fts_after_insert" AFTER INSERT ON "memories" BEGIN
    INSERT INTO "memories_fts" (rowid, search_text) VALUES (new.seq, new.search_text);
END;

CREATE TRIGGER "memories_fts_after_delete" AFTER DELETE ON "memories" BEGIN
    INSERT INTO "memories_fts" ("memories_fts", rowid, search_text) VALUES ('delete', old.seq, old.search_text);
END;

CREATE TRIGGER "memories_fts_after_update" AFTER UPDATE OF search_text ON "memories" BEGIN
    INSERT INTO "memories_fts" ("memories_fts", rowid, search_text) VALUES ('delete', old.seq, old.search_text);
    INSERT INTO "memories_fts" (rowid, search_text) VALUES (new.seq, new.search_text);
END;

-- The one user of a local database, and its default context.
INSERT INTO "users" ("id", "name", "created_at") VALUES ('local', 'Local user', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
INSERT INTO "contexts" ("id", "name", "owner_id", "created_at") VALUES ('local-default', 'default', 'local', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
