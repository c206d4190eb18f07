-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "email" TEXT,
    "name" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contexts" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "contexts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "memories" (
    "seq" SERIAL NOT NULL,
    "id" TEXT NOT NULL,
    "context_id" TEXT NOT NULL,
    "author_id" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "search_text" TEXT NOT NULL,
    "metadata" JSONB NOT NULL,
    "source" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3),

    CONSTRAINT "memories_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "memory_tags" (
    "memory_id" TEXT NOT NULL,
    "tag" TEXT NOT NULL,

    CONSTRAINT "memory_tags_pkey" PRIMARY KEY ("memory_id","tag")
);

-- CreateTable
CREATE TABLE "revisions" (
    "id" TEXT NOT NULL,
    "memory_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "operation" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "context_id" TEXT NOT NULL,
    "tags" JSONB NOT NULL,
    "metadata" JSONB NOT NULL,
    "author_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "revisions_pkey" PRIMARY KEY ("id")
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

-- AddForeignKey
ALTER TABLE "contexts" ADD CONSTRAINT "contexts_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memories" ADD CONSTRAINT "memories_context_id_fkey" FOREIGN KEY ("context_id") REFERENCES "contexts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memories" ADD CONSTRAINT "memories_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memory_tags" ADD CONSTRAINT "memory_tags_memory_id_fkey" FOREIGN KEY ("memory_id") REFERENCES "memories"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "revisions" ADD CONSTRAINT "revisions_context_id_fkey" FOREIGN KEY ("context_id") REFERENCES "contexts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "revisions" ADD CONSTRAINT "revisions_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Hand-written below: what the Prisma schema cannot express.

-- Full-text search over memories.search_text, which holds the normalized words of the content
-- separated by single spaces. The 'simple' configuration is named explicitly so that the
-- server's default_text_search_config never changes what is indexed.
ALTER TABLE "memories" ADD COLUMN "search_vector" tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, "search_text")) STORED;

CREATE INDEX "memories_search_vector_idx" ON "memories" USING GIN ("search_vector");
