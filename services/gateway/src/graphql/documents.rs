//! Parsed queries, kept by their text. A client sends the same few queries again and again, and
//! parsing one (with the size check of [`super::limits`]) cost more than answering
//! `{ __typename }` itself. The cache is bounded — the least recently used document goes — and
//! keeps only queries of modest length, so that a stream of distinct queries cannot grow it; a
//! query that does not parse is never kept (the engine reports its syntax error).

use super::limits;
use async_graphql::parser::types::ExecutableDocument;
use hashlink::LruCache;
use std::sync::{Arc, Mutex, PoisonError};

/// Documents kept at most.
const CAPACITY: usize = 512;
/// Longest query text kept, in bytes: 512 of them hold at most 8 MiB of text.
const LONGEST_KEPT: usize = 16 * 1024;

/// A query as parsed once, with the size its fragments expand to.
pub struct Parsed {
    pub document: ExecutableDocument,
    pub expanded_selections: u64,
}

pub struct Documents {
    kept: Mutex<LruCache<String, Arc<Parsed>>>,
}

impl Default for Documents {
    fn default() -> Self {
        Self {
            kept: Mutex::new(LruCache::new(CAPACITY)),
        }
    }
}

impl Documents {
    /// `query` parsed, from the cache or now; `None` when it does not parse.
    pub fn parse(&self, query: &str) -> Option<Arc<Parsed>> {
        if let Some(kept) = self.lock().get(query) {
            return Some(kept.clone());
        }
        let document = async_graphql::parser::parse_query(query).ok()?;
        let parsed = Arc::new(Parsed {
            expanded_selections: limits::expanded_selections_of(&document),
            document,
        });
        if query.len() <= LONGEST_KEPT {
            self.lock().insert(query.to_owned(), parsed.clone());
        }
        Some(parsed)
    }

    /// How many documents are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<String, Arc<Parsed>>> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_parsed_once_and_a_broken_one_never_kept() {
        let documents = Documents::default();
        let first = documents.parse("{ __typename }").unwrap();
        let again = documents.parse("{ __typename }").unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(first.expanded_selections, 1);
        assert!(documents.parse("{ __typename ").is_none());
        assert_eq!(documents.len(), 1);
    }

    #[test]
    fn the_cache_stays_bounded_and_long_queries_are_not_kept() {
        let documents = Documents::default();
        for i in 0..CAPACITY + 100 {
            documents.parse(&format!("{{ a{i}: __typename }}")).unwrap();
        }
        assert_eq!(documents.len(), CAPACITY);
        let long = format!("{{ {} }}", "__typename ".repeat(LONGEST_KEPT / 10));
        let parsed = documents.parse(&long).unwrap();
        assert!(parsed.expanded_selections > 1);
        assert!(!Arc::ptr_eq(&parsed, &documents.parse(&long).unwrap()));
    }
}
