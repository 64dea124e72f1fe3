//! Redaction for the daemon's records: with `show_secrets = false` (the
//! default) the bytes of every attribute the decoder marks secret (xfrm
//! keys, ...) are zeroed in the event before any sink or attach client sees
//! it, so the raw `data` in the journal and JSON file does not leak them
//! either.

use nlmon_common::decode::Decoder;

use crate::event::Event;

/// Zeroes the secret bytes of `ev`; returns how many bytes it zeroed.
pub fn redact(decoder: &mut Decoder, ev: &mut Event) -> usize {
    decoder.learn(ev.socket.protocol, &ev.data);
    // A walk that builds no tree: every captured buffer goes through it.
    let ranges = decoder.secret_ranges(ev.socket.protocol, &ev.data);
    let mut zeroed = 0;
    let len = ev.data.len();
    for (start, end) in ranges {
        if let Some(bytes) = ev.data.get_mut(start as usize..(end as usize).min(len)) {
            zeroed += bytes.len();
            bytes.fill(0);
        }
    }
    zeroed
}

#[cfg(test)]
mod tests {
    use nlmon_common::decode::DecodeOptions;

    use super::*;
    use crate::{daemon::changes::tests::event, event::Direction};

    /// `ip xfrm state add ... enc cbc(aes) 0x00112233445566778899aabbccddeeff
    /// auth-trunc hmac(sha256) 0x000102...1f 128`, as captured for the
    /// decoder's golden corpus.
    fn xfrm_newsa() -> Vec<u8> {
        let text = include_str!(
            "../../../nlmon-common/tests/golden/254-ip-xfrm-state-add-src-10-0-0-1-dst-10-0-0-2-proto-esp-spi-0x.txt"
        );
        let hex: String = text
            .lines()
            .skip_while(|l| !l.starts_with("to_kernel"))
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .map(str::trim)
            .collect();
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn zeroes_xfrm_keys_and_nothing_else() {
        let enc = [
            0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
        ];
        let auth: Vec<u8> = (0u8..32).collect();
        let data = xfrm_newsa();
        assert!(contains(&data, &enc) && contains(&data, &auth[4..]));
        let mut ev = event(6, Direction::ToKernel, data.clone());
        let mut d = Decoder::new(DecodeOptions {
            show_secrets: false,
        });
        assert_eq!(redact(&mut d, &mut ev), 16 + 32);
        assert!(!contains(&ev.data, &enc) && !contains(&ev.data, &auth[4..]));
        assert!(contains(&ev.data, b"cbc(aes)") && contains(&ev.data, b"hmac(sha256)"));
        assert_eq!(ev.data.len(), data.len());
        let changed = data.iter().zip(&ev.data).filter(|(a, b)| a != b).count();
        assert!(changed <= 48, "{changed}");

        let mut shown = event(6, Direction::ToKernel, data.clone());
        let mut d = Decoder::new(DecodeOptions { show_secrets: true });
        assert_eq!(redact(&mut d, &mut shown), 0);
        assert_eq!(shown.data, data);
    }
}
