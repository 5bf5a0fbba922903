//! Cyber Shield domain filtering (`/cybershield/…`): the block list and the allow list.

use super::macros::model;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::Call;

/// Most domains one add call takes.
pub const MAX_DOMAINS_PER_CALL: usize = 1000;
/// Most characters of a domain and its comment together.
pub const MAX_DOMAIN_AND_COMMENT_CHARS: usize = 150;

model! {
    /// A domain to add to a list, with an optional comment.
    pub struct DomainAndComment {
        /// The domain (required).
        pub domain: String,
        /// Why it is listed.
        pub comment: Option<String>,
    }
}

impl DomainAndComment {
    /// `domain` with `comment`.
    pub fn new(domain: impl Into<String>, comment: impl Into<String>) -> DomainAndComment {
        DomainAndComment {
            domain: domain.into(),
            comment: Some(comment.into()),
        }
    }
}

model! {
    /// Body of the add calls.
    struct AddDomains {
        pub domain_and_comments: Vec<DomainAndComment>,
    }
}

model! {
    /// Body of the remove calls.
    struct RemoveDomains {
        pub domains: Vec<String>,
    }
}

/// Cyber Shield service (`client.cybershield()`).
#[derive(Debug, Clone, Copy)]
pub struct CyberShield<'a> {
    client: &'a Client,
}

fn check_add(items: &[DomainAndComment]) -> Result<()> {
    if items.is_empty() || items.len() > MAX_DOMAINS_PER_CALL {
        return Err(Error::invalid(format!(
            "one call adds 1 to {MAX_DOMAINS_PER_CALL} domains, got {}",
            items.len()
        )));
    }
    for (i, it) in items.iter().enumerate() {
        if it.domain.trim().is_empty() {
            return Err(Error::invalid(format!("domain {i} is blank")));
        }
        let chars = it.domain.chars().count() + it.comment.as_deref().map_or(0, |c| c.chars().count());
        if chars > MAX_DOMAIN_AND_COMMENT_CHARS {
            return Err(Error::invalid(format!(
                "domain {i} ({}) and its comment exceed {MAX_DOMAIN_AND_COMMENT_CHARS} characters",
                it.domain
            )));
        }
    }
    Ok(())
}

impl CyberShield<'_> {
    fn add(&self, op: &'static str, path: &str, items: &[DomainAndComment]) -> Result<()> {
        check_add(items)?;
        let body = AddDomains {
            domain_and_comments: items.to_vec(),
        };
        self.client.call_unit(Call::post(op, path).json(&body)?)
    }

    fn remove<S: AsRef<str>>(&self, op: &'static str, path: &str, domains: &[S]) -> Result<()> {
        if domains.is_empty() {
            return Err(Error::invalid("no domains to remove"));
        }
        let body = RemoveDomains {
            domains: domains.iter().map(|d| d.as_ref().to_string()).collect(),
        };
        self.client.call_unit(Call::post(op, path).json(&body)?)
    }

    /// Add domains to the block list (`POST /cybershield/block-list-add-domains`).
    /// 1 to 1000 items, each domain plus comment at most 150 characters
    /// (`InvalidInput` otherwise, nothing sent); for a repeated domain the last wins.
    pub fn block_list_add(&self, items: &[DomainAndComment]) -> Result<()> {
        self.add("blockListAddDomains", "/cybershield/block-list-add-domains", items)
    }

    /// Remove domains from the block list (`POST /cybershield/block-list-remove-domains`);
    /// an empty list is `InvalidInput`.
    pub fn block_list_remove<S: AsRef<str>>(&self, domains: &[S]) -> Result<()> {
        self.remove(
            "blockListRemoveDomains",
            "/cybershield/block-list-remove-domains",
            domains,
        )
    }

    /// Add domains to the allow list; limits as [`block_list_add`](Self::block_list_add).
    pub fn allow_list_add(&self, items: &[DomainAndComment]) -> Result<()> {
        self.add("allowListAddDomains", "/cybershield/allow-list-add-domains", items)
    }

    /// Remove domains from the allow list; an empty list is `InvalidInput`.
    pub fn allow_list_remove<S: AsRef<str>>(&self, domains: &[S]) -> Result<()> {
        self.remove(
            "allowListRemoveDomains",
            "/cybershield/allow-list-remove-domains",
            domains,
        )
    }
}

impl Client {
    /// Cyber Shield domain lists (`/cybershield/…`).
    pub fn cybershield(&self) -> CyberShield<'_> {
        CyberShield { client: self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_limits() {
        let one = DomainAndComment::new("ads.example", "ads");
        assert!(check_add(std::slice::from_ref(&one)).is_ok());
        assert!(check_add(&[]).is_err());
        assert!(check_add(&vec![one.clone(); 1001]).is_err());
        assert!(check_add(&vec![one; 1000]).is_ok());
        let long = DomainAndComment::new("a".repeat(100), "b".repeat(51));
        assert!(check_add(&[long]).is_err());
        let blank = DomainAndComment {
            domain: " ".into(),
            comment: None,
        };
        assert!(check_add(&[blank]).is_err());
    }

    #[test]
    fn wire_shape() {
        let body = AddDomains {
            domain_and_comments: vec![DomainAndComment::new("x.example", "c")],
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"domainAndComments":[{"domain":"x.example","comment":"c"}]}"#
        );
    }
}
