//! Just enough IP parsing for routes: CIDR ranges and overlap checks.

use std::net::IpAddr;

/// An address range from a CIDR (`10.0.0.0/24`, `fd00::/64`) or a bare address.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub v6: bool,
    pub lo: u128,
    pub hi: u128,
}

impl Range {
    pub fn overlaps(&self, o: &Range) -> bool {
        self.v6 == o.v6 && self.lo <= o.hi && o.lo <= self.hi
    }
    pub fn contains(&self, o: &Range) -> bool {
        self.v6 == o.v6 && self.lo <= o.lo && o.hi <= self.hi
    }
}

pub fn parse_cidr(s: &str) -> Option<Range> {
    let (addr, len) = match s.trim().split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u32>().ok()?)),
        None => (s.trim(), None),
    };
    let ip: IpAddr = addr.parse().ok()?;
    let (v6, bits, value) = match ip {
        IpAddr::V4(a) => (false, 32, u32::from(a) as u128),
        IpAddr::V6(a) => (true, 128, u128::from(a)),
    };
    let len = len.unwrap_or(bits);
    if len > bits {
        return None;
    }
    let host_bits = bits - len;
    let mask = if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    let lo = value & !mask;
    let hi = lo | mask;
    Some(Range { v6, lo, hi })
}

pub fn is_ipv4(s: &str) -> bool {
    s.parse::<std::net::Ipv4Addr>().is_ok()
}

pub fn is_ipv6(s: &str) -> bool {
    s.parse::<std::net::Ipv6Addr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let a = parse_cidr("10.0.0.0/24").unwrap();
        let b = parse_cidr("10.0.0.128/25").unwrap();
        let c = parse_cidr("10.0.1.0/24").unwrap();
        assert!(a.overlaps(&b) && a.contains(&b) && !a.overlaps(&c));
        assert!(parse_cidr("fd00::/64").unwrap().v6);
        assert!(parse_cidr("10.0.0.0/33").is_none());
        assert!(parse_cidr("banana").is_none());
        assert_eq!(parse_cidr("0.0.0.0/0").unwrap().hi, u32::MAX as u128);
        assert_eq!(parse_cidr("::/0").unwrap().hi, u128::MAX);
    }
}
