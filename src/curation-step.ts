/** Steps (a reply's schema name) of curation's calls begin so: their replies are not the run's, nor its cost. */
export const CURATION_STEP_PREFIX = "curate_";
