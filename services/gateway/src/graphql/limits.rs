//! Limits checked before a query reaches the GraphQL engine.
//!
//! The engine's own depth and complexity limits walk every fragment spread where it stands, so a
//! document whose fragments each spread the next one twice makes it walk 2ⁿ selections before it
//! can refuse. Here the size of the expanded selection is counted once per fragment (memoised), in
//! time linear in the document, and an oversized document is refused up front.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use std::collections::HashMap;

/// Most selections a request may expand to, once every fragment is spread.
pub const MAX_EXPANDED_SELECTIONS: u64 = 5_000;

/// The number of selections `query` expands to, or `None` when it does not parse (the engine then
/// reports the syntax error itself).
pub fn expanded_selections(query: &str) -> Option<u64> {
    let document = async_graphql::parser::parse_query(query).ok()?;
    Some(expanded_selections_of(&document))
}

/// The number of selections an already parsed `document` expands to.
pub fn expanded_selections_of(document: &ExecutableDocument) -> u64 {
    let mut sizes = HashMap::new();
    let operations: Vec<&SelectionSet> = match &document.operations {
        DocumentOperations::Single(op) => vec![&op.node.selection_set.node],
        DocumentOperations::Multiple(ops) => {
            ops.values().map(|op| &op.node.selection_set.node).collect()
        }
    };
    operations.into_iter().fold(0u64, |total, set| {
        total.saturating_add(size_of_set(document, set, &mut sizes, 0))
    })
}

const IN_PROGRESS: u64 = u64::MAX;

fn size_of_set(
    document: &ExecutableDocument,
    set: &SelectionSet,
    sizes: &mut HashMap<String, u64>,
    depth: usize,
) -> u64 {
    if depth > 256 {
        return u64::MAX;
    }
    let mut total: u64 = 0;
    for item in &set.items {
        let size = match &item.node {
            Selection::Field(field) => 1u64.saturating_add(size_of_set(
                document,
                &field.node.selection_set.node,
                sizes,
                depth + 1,
            )),
            Selection::InlineFragment(fragment) => size_of_set(
                document,
                &fragment.node.selection_set.node,
                sizes,
                depth + 1,
            ),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                match sizes.get(name) {
                    // A fragment that spreads itself: the engine refuses the cycle; count nothing.
                    Some(&IN_PROGRESS) => 0,
                    Some(&size) => size,
                    None => match document
                        .fragments
                        .get(spread.node.fragment_name.node.as_str())
                    {
                        Some(fragment) => {
                            sizes.insert(name.to_owned(), IN_PROGRESS);
                            let size = size_of_set(
                                document,
                                &fragment.node.selection_set.node,
                                sizes,
                                depth + 1,
                            );
                            sizes.insert(name.to_owned(), size.min(IN_PROGRESS - 1));
                            size
                        }
                        None => 0,
                    },
                }
            }
        };
        total = total.saturating_add(size);
    }
    total
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn plain_queries_count_their_fields() {
        assert_eq!(
            expanded_selections("{ me { login memberships { role } } }"),
            Some(4)
        );
    }

    #[test]
    fn doubling_fragments_are_counted_without_walking_them() {
        let levels = 60;
        let mut query = String::from("{ ...F0 }\n");
        for i in 0..levels {
            query.push_str(&format!(
                "fragment F{i} on Query {{ ...F{n} ...F{n} }}\n",
                n = i + 1
            ));
        }
        query.push_str(&format!("fragment F{levels} on Query {{ __typename }}\n"));
        let size = expanded_selections(&query).unwrap();
        assert!(size > MAX_EXPANDED_SELECTIONS, "{size}");
    }

    #[test]
    fn self_spreading_fragments_terminate() {
        assert!(
            expanded_selections("{ ...A } fragment A on Query { ...A me { login } }").is_some()
        );
    }

    #[test]
    fn unparsable_queries_are_left_to_the_engine() {
        assert_eq!(expanded_selections("{ me { "), None);
    }
}
