//! The latency histogram of `ccx bench --histogram FILE.svg`: a bar chart of the
//! library's latency buckets, written as plain SVG (no chart dependency needed).

use std::fmt::Write as _;

/// One bar: its label and how many calls fell in it.
struct Bar {
    label: String,
    count: u64,
}

fn ms_label(seconds: f64) -> String {
    let ms = seconds * 1e3;
    if ms >= 1000.0 {
        format!("{} s", trim(seconds))
    } else {
        format!("{} ms", trim(ms))
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Bars from cumulative `(upper bound in seconds, count <= bound)` pairs and the total;
/// empty bars before the first and after the last non-empty one are left out.
fn bars(cumulative: &[(f64, u64)], total: u64) -> Vec<Bar> {
    let mut out = Vec::new();
    let mut prev_le = 0.0;
    let mut prev_count = 0;
    for &(le, cum) in cumulative {
        out.push(Bar {
            label: format!("≤ {}", ms_label(le)),
            count: cum.saturating_sub(prev_count),
        });
        prev_le = le;
        prev_count = cum;
    }
    out.push(Bar {
        label: format!("> {}", ms_label(prev_le)),
        count: total.saturating_sub(prev_count),
    });
    let first = out.iter().position(|b| b.count > 0).unwrap_or(0);
    let last = out.iter().rposition(|b| b.count > 0).unwrap_or(0).max(first);
    out.drain(first..=last).collect()
}

/// Regroup the library's fine distribution (`(upper bound in seconds, cumulative count)`,
/// one pair per non-empty bucket of 1/128 precision) into about `bins` log-spaced bars
/// between the fastest and the slowest call; returns cumulative pairs for [`histogram_svg`].
pub fn log_bins(distribution: &[(f64, u64)], bins: usize) -> Vec<(f64, u64)> {
    let (Some(first), Some(last)) = (distribution.first(), distribution.last()) else {
        return Vec::new();
    };
    let (lo, hi) = (first.0.max(1e-6), last.0);
    if hi <= lo || bins < 2 {
        return vec![(hi, last.1)];
    }
    let step = (hi / lo).powf(1.0 / bins as f64);
    let mut out: Vec<(f64, u64)> = Vec::with_capacity(bins + 1);
    let mut i = 0;
    let mut bound = lo;
    for _ in 0..=bins {
        while i < distribution.len() && distribution[i].0 <= bound * (1.0 + 1e-9) {
            i += 1;
        }
        let below = if i == 0 { 0 } else { distribution[i - 1].1 };
        out.push((bound, below));
        bound *= step;
    }
    if out.last().is_some_and(|l| l.1 < last.1) {
        out.push((hi, last.1));
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The SVG document. `cumulative` are the library's bucket bounds and counts, `total` the
/// calls recorded, `title` and `subtitle` two lines of text above the bars.
pub fn histogram_svg(cumulative: &[(f64, u64)], total: u64, title: &str, subtitle: &str) -> String {
    const W: f64 = 900.0;
    const H: f64 = 480.0;
    const LEFT: f64 = 70.0;
    const RIGHT: f64 = 20.0;
    const TOP: f64 = 80.0;
    const BOTTOM: f64 = 110.0;
    let bars = bars(cumulative, total);
    let peak = bars.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let slot = plot_w / bars.len().max(1) as f64;
    let mut s = String::new();
    let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif">"#
    );
    let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="30" font-size="18" font-weight="bold">{}</text>"#,
        esc(title)
    );
    let _ = writeln!(
        s,
        r##"<text x="{LEFT}" y="54" font-size="13" fill="#444">{}</text>"##,
        esc(subtitle)
    );
    // y axis with 5 ticks
    for i in 0..=5 {
        let v = peak as f64 * i as f64 / 5.0;
        let y = TOP + plot_h - plot_h * i as f64 / 5.0;
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"##,
            W - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            v.round()
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="16" y="{:.1}" font-size="12" transform="rotate(-90 16 {:.1})" text-anchor="middle">calls</text>"#,
        TOP + plot_h / 2.0,
        TOP + plot_h / 2.0
    );
    let label_every = bars.len().div_ceil(15).max(1);
    for (i, b) in bars.iter().enumerate() {
        let h = plot_h * b.count as f64 / peak as f64;
        let x = LEFT + slot * i as f64 + slot * 0.1;
        let y = TOP + plot_h - h;
        let cx = LEFT + slot * (i as f64 + 0.5);
        let _ = writeln!(
            s,
            r##"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{:.1}" height="{h:.1}" fill="#4e79a7"><title>{}: {}</title></rect>"##,
            slot * 0.8,
            esc(&b.label),
            b.count
        );
        if slot >= 24.0 {
            let _ = writeln!(
                s,
                r#"<text x="{cx:.1}" y="{:.1}" font-size="11" text-anchor="middle">{}</text>"#,
                y - 4.0,
                b.count
            );
        }
        // at most about 15 axis labels, slanted so they never overlap
        if i % label_every == 0 || i + 1 == bars.len() {
            let ly = TOP + plot_h + 14.0;
            let _ = writeln!(
                s,
                r#"<text class="label" x="{cx:.1}" y="{ly:.1}" font-size="11" text-anchor="end" transform="rotate(-35 {cx:.1} {ly:.1})">{}</text>"#,
                esc(&b.label)
            );
        }
    }
    let _ = writeln!(
        s,
        r##"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#333"/>"##,
        TOP + plot_h,
        W - RIGHT,
        TOP + plot_h
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle">call latency (each bar: the calls above the previous bound, up to its own)</text>"#,
        LEFT + plot_w / 2.0,
        H - 14.0
    );
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_differences_of_the_cumulative_counts_trimmed_to_the_data() {
        let b = bars(&[(0.001, 0), (0.0025, 5), (0.005, 9), (0.01, 9)], 10);
        let counts: Vec<u64> = b.iter().map(|b| b.count).collect();
        assert_eq!(counts, vec![5, 4, 0, 1]);
        assert_eq!(b[0].label, "≤ 2.5 ms");
        assert_eq!(b[3].label, "> 10 ms");
    }

    #[test]
    fn log_bins_keep_every_call_and_are_monotonic() {
        // 100 calls spread over 0.1 ms .. 50 ms in fine buckets
        let fine: Vec<(f64, u64)> = (1..=100).map(|i| (0.0001 * 1.065f64.powi(i), i as u64)).collect();
        let bins = log_bins(&fine, 40);
        assert!(bins.len() >= 40 && bins.len() <= 42, "{}", bins.len());
        assert_eq!(bins.last().unwrap().1, 100);
        assert!(bins.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1));
        assert!(log_bins(&[], 40).is_empty());
        assert_eq!(log_bins(&[(0.002, 7)], 40), vec![(0.002, 7)]);
    }

    #[test]
    fn svg_escapes_text_and_has_one_bar_per_bucket() {
        let svg = histogram_svg(&[(0.001, 3)], 3, "a < b", "x & y");
        assert!(svg.contains("a &lt; b") && svg.contains("x &amp; y"));
        assert_eq!(svg.matches(r#"class="bar""#).count(), 1);
    }
}
