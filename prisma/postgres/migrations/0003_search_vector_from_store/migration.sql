-- Hand-written: no change to the Prisma schema.

-- The store now writes the search vector itself from the words the core tokenizer produced,
-- the same words SQLite indexes, instead of parsing search_text with to_tsvector. The text
-- search parser drops emoji and splits some words differently, so the two backends would find
-- different memories for the same query. A vector written as a tsvector literal goes through no
-- parser and no text search configuration at all, so the server's default_text_search_config
-- cannot change it either.
DROP INDEX "memories_search_vector_idx";
ALTER TABLE "memories" DROP COLUMN "search_vector";
ALTER TABLE "memories" ADD COLUMN "search_vector" tsvector NOT NULL DEFAULT ''::tsvector;

-- The number of words in search_text: the document length that BM25 ranking needs.
ALTER TABLE "memories" ADD COLUMN "word_count" integer NOT NULL DEFAULT 0;

-- Rows written before this migration get a vector built the same way the store builds one:
-- each word with its 1-based position, positions capped at 16383 as tsvector requires.
UPDATE "memories" m SET
    "search_vector" = coalesce((
        SELECT string_agg(
                   '''' || replace(replace(w, '\', '\\'), '''', '''''') || ''':' || least(i, 16383),
                   ' ')::tsvector
        FROM unnest(string_to_array(m."search_text", ' ')) WITH ORDINALITY AS u(w, i)
        WHERE w <> ''
    ), ''::tsvector),
    "word_count" = coalesce(cardinality(array_remove(string_to_array(m."search_text", ' '), '')), 0);

ALTER TABLE "memories" ALTER COLUMN "search_vector" DROP DEFAULT;
ALTER TABLE "memories" ALTER COLUMN "word_count" DROP DEFAULT;

CREATE INDEX "memories_search_vector_idx" ON "memories" USING GIN ("search_vector");
