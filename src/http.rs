//! What the transport hands back for one HTTP exchange: a leaf type that the pipeline,
//! the resilience stages (stale and read caches, coalescing) and error parsing share
//! without depending on the transport itself.

/// The parts of a response the client uses.
#[derive(Debug, Clone)]
pub(crate) struct HttpResponse {
    pub status: u16,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header named `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}
