/** Documented limits on everything a user can store or send. */
export const limits = {
  /** Maximum length of a memory's content, in Unicode code points. */
  contentMaxChars: 32_768,
  /** Maximum number of tags on one memory. */
  tagsMax: 32,
  /** Maximum length of one tag, in code points. */
  tagMaxChars: 64,
  /** Maximum length of a context name, in characters. */
  contextMaxChars: 64,
  /** Maximum size of the metadata object serialized as JSON, in UTF-8 bytes. */
  metadataMaxBytes: 16_384,
  /** Maximum nesting depth of metadata: 1 is a flat object of scalars. */
  metadataMaxDepth: 5,
  /** Maximum length of a search query, in code points. */
  queryMaxChars: 1_000,
  /** Words of a query beyond this number are ignored. */
  queryMaxTerms: 32,
  /** Default and maximum page size of search results. */
  searchDefaultLimit: 10,
  searchMaxLimit: 100,
  /** Default and maximum page size of list results. */
  listDefaultLimit: 20,
  listMaxLimit: 1_000,
} as const;
