//! In-memory collections: records in insertion order with a parent index, so
//! paging, filters, embedding and cascades are cheap.

use std::collections::HashMap;

use indexmap::{IndexMap, IndexSet};
use serde_json::Value;

/// One stored resource: its response-shaped JSON and the id of its parent
/// (network, host or user), if it has one.
#[derive(Debug, Clone)]
pub struct Rec {
    pub parent: Option<String>,
    pub v: Value,
}

#[derive(Debug, Clone, Default)]
pub struct Collection {
    items: IndexMap<String, Rec>,
    by_parent: HashMap<String, IndexSet<String>>,
}

impl Collection {
    pub fn insert(&mut self, id: String, parent: Option<String>, v: Value) {
        if let Some(p) = &parent {
            self.by_parent.entry(p.clone()).or_default().insert(id.clone());
        }
        self.items.insert(id, Rec { parent, v });
    }

    pub fn get(&self, id: &str) -> Option<&Rec> {
        self.items.get(id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Rec> {
        self.items.get_mut(id)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.items.contains_key(id)
    }

    pub fn remove(&mut self, id: &str) -> Option<Rec> {
        let rec = self.items.shift_remove(id)?;
        if let Some(p) = &rec.parent
            && let Some(set) = self.by_parent.get_mut(p)
        {
            set.shift_remove(id);
            if set.is_empty() {
                self.by_parent.remove(p);
            }
        }
        Some(rec)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rec> {
        self.items.values()
    }

    /// Children of `parent`, in insertion order.
    pub fn children<'a>(&'a self, parent: &str) -> impl Iterator<Item = &'a Rec> + 'a {
        self.by_parent
            .get(parent)
            .into_iter()
            .flatten()
            .filter_map(|id| self.items.get(id))
    }

    pub fn child_ids(&self, parent: &str) -> Vec<String> {
        self.by_parent
            .get(parent)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Number of records, optionally only those under `parent`.
    pub fn count(&self, parent: Option<&str>) -> usize {
        match parent {
            None => self.items.len(),
            Some(p) => self.by_parent.get(p).map_or(0, |s| s.len()),
        }
    }

    /// Records `skip..skip+take`, optionally only those under `parent`.
    pub fn slice(&self, parent: Option<&str>, skip: usize, take: usize) -> Vec<&Rec> {
        match parent {
            None => self.items.values().skip(skip).take(take).collect(),
            Some(p) => self.children(p).skip(skip).take(take).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parent_index_follows_removals() {
        let mut c = Collection::default();
        c.insert("a".into(), Some("p".into()), json!(1));
        c.insert("b".into(), Some("p".into()), json!(2));
        c.insert("c".into(), None, json!(3));
        assert_eq!(c.count(Some("p")), 2);
        assert_eq!(c.slice(Some("p"), 1, 5)[0].v, json!(2));
        c.remove("a");
        assert_eq!(c.child_ids("p"), vec!["b".to_string()]);
        assert_eq!(c.slice(None, 0, 10).len(), 2);
        c.remove("b");
        assert_eq!(c.count(Some("p")), 0);
    }
}
