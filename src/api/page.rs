//! Page-based lists: the page envelope, the page request and an iterator over
//! every item of a paged list.

use serde::{Deserialize, Serialize};

use super::check::in_range;
use super::macros::null_as_default;
use crate::error::Result;

/// Largest page size the API accepts on paged lists (the pager always uses it,
/// so walking a list spends the fewest calls of the rate limit).
pub const MAX_PAGE_SIZE: u32 = 1000;

/// One page of a list, as every paged list endpoint returns it.
///
/// Missing or `null` counters decode as 0. `success` is a leftover of the beta API
/// that some servers still send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    /// The items of this page (empty past the last page).
    #[serde(default = "Vec::new", deserialize_with = "null_as_default")]
    pub content: Vec<T>,
    /// Items in the whole list.
    #[serde(default, deserialize_with = "null_as_default")]
    pub total_elements: u64,
    /// Pages in the whole list at this page size (`ceil(total_elements / size)`, 0 when empty).
    #[serde(default, deserialize_with = "null_as_default")]
    pub total_pages: u32,
    /// Items on this page (`content.len()`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub number_of_elements: u32,
    /// This page's number, from 0.
    #[serde(default, deserialize_with = "null_as_default")]
    pub page: u32,
    /// The page size that was asked for.
    #[serde(default, deserialize_with = "null_as_default")]
    pub size: u32,
    /// `true` on servers that still send the beta API's flag; `None` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
}

/// Which page of a list to fetch: `page` from 0, `size` items per page.
///
/// The default is page 0 of size 10, the API's own default. `size` must be in
/// `1..=1000`; a call with another size fails with `InvalidInput` before any
/// request is sent. A page past the end is not an error: it comes back empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageRequest {
    /// Page number, from 0.
    pub page: u32,
    /// Items per page, 1..=1000.
    pub size: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest { page: 0, size: 10 }
    }
}

impl PageRequest {
    /// Page `page` (from 0) of `size` items (checked when used: 1..=1000).
    pub fn new(page: u32, size: u32) -> PageRequest {
        PageRequest { page, size }
    }

    /// Page 0 of `size` items.
    pub fn first(size: u32) -> PageRequest {
        PageRequest { page: 0, size }
    }

    /// Check `size` against `1..=1000` and `page` against the API's 32-bit page numbers.
    pub(crate) fn validate(self) -> Result<Self> {
        self.validate_within(1, MAX_PAGE_SIZE)
    }

    /// Check `size` against `min..=max` (the DNS log uses other bounds).
    pub(crate) fn validate_within(self, min: u32, max: u32) -> Result<Self> {
        in_range("page size", self.size, min, max)?;
        in_range("page", self.page, 0, i32::MAX as u32)?;
        Ok(self)
    }
}

type Fetch<'a, T> = Box<dyn FnMut(PageRequest) -> Result<Page<T>> + Send + 'a>;

/// An iterator over every item of a paged list.
///
/// It fetches page 0, 1, … lazily (one call per page of up to 1000 items) and stops
/// after the page whose number is `total_pages - 1`, or at the first empty page.
/// If a call fails, it yields that error once and then ends; items already
/// yielded stay valid. Collect it into `Result<Vec<_>>` to get all items or the
/// first error (that is what the services' `list_all` does). `Send` when `T` is.
pub struct Pager<'a, T> {
    fetch: Fetch<'a, T>,
    size: u32,
    next_page: u32,
    items: std::vec::IntoIter<T>,
    done: bool,
    pages_fetched: u32,
}

impl<'a, T> Pager<'a, T> {
    /// A pager calling `fetch` for each page with page size `size`.
    pub(crate) fn new(size: u32, fetch: impl FnMut(PageRequest) -> Result<Page<T>> + Send + 'a) -> Self {
        Pager {
            fetch: Box::new(fetch),
            size,
            next_page: 0,
            items: Vec::new().into_iter(),
            done: false,
            pages_fetched: 0,
        }
    }

    /// How many pages (calls) this pager has fetched so far.
    pub fn pages_fetched(&self) -> u32 {
        self.pages_fetched
    }
}

impl<T> Iterator for Pager<'_, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(item) = self.items.next() {
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            let request = PageRequest::new(self.next_page, self.size);
            self.pages_fetched += 1;
            match (self.fetch)(request) {
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Ok(page) => {
                    if page.content.is_empty() || self.next_page.saturating_add(1) >= page.total_pages {
                        self.done = true;
                    }
                    self.next_page = self.next_page.saturating_add(1);
                    self.items = page.content.into_iter();
                }
            }
        }
    }
}

impl<T> std::iter::FusedIterator for Pager<'_, T> {}

impl<T> std::fmt::Debug for Pager<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pager")
            .field("size", &self.size)
            .field("next_page", &self.next_page)
            .field("buffered", &self.items.len())
            .field("done", &self.done)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, ErrorKind};

    fn page(content: Vec<u32>, total: u64, size: u32, page: u32) -> Page<u32> {
        Page {
            number_of_elements: content.len() as u32,
            content,
            total_elements: total,
            total_pages: total.div_ceil(u64::from(size)) as u32,
            page,
            size,
            success: None,
        }
    }

    #[test]
    fn decodes_with_and_without_success() {
        let p: Page<u32> = serde_json::from_str(
            r#"{"content":[1,2],"totalElements":2,"totalPages":1,"numberOfElements":2,"page":0,"size":10,"success":true}"#,
        )
        .unwrap();
        assert_eq!((p.content.clone(), p.success), (vec![1, 2], Some(true)));
        let q: Page<u32> = serde_json::from_str(r#"{"content":null,"totalPages":null,"extra":1}"#).unwrap();
        assert_eq!((q.content, q.total_pages, q.success), (vec![], 0, None));
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["totalElements"], 2);
    }

    #[test]
    fn page_request_bounds() {
        assert_eq!(PageRequest::default(), PageRequest::new(0, 10));
        assert!(PageRequest::new(0, 0).validate().is_err());
        assert!(PageRequest::new(0, 1001).validate().is_err());
        assert!(PageRequest::new(u32::MAX, 10).validate().is_err());
        assert_eq!(PageRequest::new(3, 1000).validate().unwrap().page, 3);
        let e = PageRequest::first(5).validate_within(10, 10_000).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::InvalidInput);
    }

    #[test]
    fn walks_all_pages_and_stops() {
        let all: Vec<u32> = (0..25).collect();
        let mut asked = Vec::new();
        let pager = Pager::new(10, |r: PageRequest| {
            asked.push(r.page);
            let start = (r.page * r.size) as usize;
            let chunk = all.iter().copied().skip(start).take(r.size as usize).collect();
            Ok(page(chunk, 25, r.size, r.page))
        });
        let got: Result<Vec<u32>> = pager.collect();
        assert_eq!(got.unwrap(), all);
        assert_eq!(asked, vec![0, 1, 2]);
    }

    #[test]
    fn stops_on_an_empty_page_and_on_zero_pages() {
        let mut calls = 0;
        let pager = Pager::new(10, |r: PageRequest| {
            calls += 1;
            // a server that claims more pages than it has
            let content = if r.page == 0 { vec![1] } else { vec![] };
            Ok(Page {
                total_pages: 99,
                ..page(content, 1, 10, r.page)
            })
        });
        assert_eq!(pager.map(Result::unwrap).collect::<Vec<_>>(), vec![1]);
        assert_eq!(calls, 2);
        let empty = Pager::new(10, |r: PageRequest| Ok(page(vec![], 0, 10, r.page)));
        assert_eq!(empty.count(), 0);
    }

    #[test]
    fn yields_an_error_once_then_ends() {
        let mut pager = Pager::new(2, |r: PageRequest| {
            if r.page == 0 {
                Ok(page(vec![7, 8], 6, 2, 0))
            } else {
                Err(Error::invalid("boom"))
            }
        });
        assert_eq!(pager.next().unwrap().unwrap(), 7);
        assert_eq!(pager.next().unwrap().unwrap(), 8);
        assert!(pager.next().unwrap().is_err());
        assert!(pager.next().is_none());
        assert!(pager.next().is_none());
        assert_eq!(pager.pages_fetched(), 2);
    }
}
