"""The fleet page's and the bulk pick-up's words (issue 13, fourth round), Khmer then English:
the last sync, clock skew and audit chain columns, where the setup QR's CA fingerprint comes
from, the enrolment code's refusals (each language its own text), and "ready for pick-up" on
many applications at once. Merged into i18n.WORDS."""

from __future__ import annotations

FLEET_WORDS: dict[str, tuple[str, str]] = {
    "last_sync": ("ធ្វើ​សមកាលកម្ម​ជោគជ័យ​ចុងក្រោយ", "Last successful sync"),
    "clock_skew": ("គម្លាត​នាឡិកា", "Clock skew"),
    "skew_help": (
        "+ នាឡិកា​ម៉ាស៊ីន​យឺត​ជាង​ម៉ាស៊ីន​មេ - លឿន​ជាង។ លើស ២ នាទី ម៉ាស៊ីន​មេ​បដិសេធ​សំណើ​របស់​វា។",
        "+ the kiosk's clock is behind the server's, - ahead. "
        "Past 2 minutes its requests are refused.",
    ),
    "skew_own": ("នាឡិកា​ម៉ាស៊ីន {v} (បាន​កែ)", "own clock {v}, corrected"),
    "audit_chain": ("ខ្សែ​សវនកម្ម", "Audit chain"),
    "audit_none": ("មិន​ទាន់​ផ្ញើ", "not uploaded yet"),
    "audit_chain_broken": ("ខ្សែ​ដាច់", "broken"),
    "audit_gap": ("ខ្វះ​ធាតុ", "gap"),
    "fleet_columns_note": (
        "ធ្វើ​សមកាលកម្ម​ចុងក្រោយ តាម​នាឡិកា​ម៉ាស៊ីន។ គម្លាត​នាឡិកា៖ ពេល​ក្នុង​របាយការណ៍ ធៀប​នឹង​ពេល​ម៉ាស៊ីន​មេ​ទទួល។",
        "Last sync is the kiosk's own clock. "
        "Clock skew: the report's time against when the server received it.",
    ),
    # the setup QR's CA fingerprint (fleet_ca.py)
    "ca_known_ca": (
        "SHA-256 នៃ​វិញ្ញាបនបត្រ CA (យក​ពី​ខ្សែ​វិញ្ញាបនបត្រ TLS របស់​ម៉ាស៊ីន​មេ​នេះ)",
        "CA certificate SHA-256 (taken from this server's TLS certificate chain)",
    ),
    "ca_known_self_signed": (
        "SHA-256 នៃ​វិញ្ញាបនបត្រ TLS ចុះ​ហត្ថលេខា​ខ្លួនឯង​របស់​ម៉ាស៊ីន​មេ​នេះ",
        "SHA-256 of this server's self-signed TLS certificate",
    ),
    "ca_unknown_http": (
        "ម៉ាស៊ីន​មេ​នេះ​មិន​ប្រើ TLS ផ្ទាល់​ទេ។ "
        "បើ​ម៉ាស៊ីន​សាលា​ឃុំ​ភ្ជាប់​តាម https (តាម proxy) សូម​បញ្ចូល SHA-256 នៃ​វិញ្ញាបនបត្រ CA។",
        "This server does not run TLS itself. If kiosks connect over https (through a proxy), "
        "enter the CA certificate's SHA-256.",
    ),
    "ca_unknown_chain": (
        "ខ្សែ​វិញ្ញាបនបត្រ​របស់​ម៉ាស៊ីន​មេ​គ្មាន CA ទេ។ "
        "សូម​បញ្ចូល SHA-256 នៃ​វិញ្ញាបនបត្រ CA ឬ​ដាក់ CA ក្នុង​ឯកសារ --tls-cert។",
        "The server's certificate chain does not include its CA. Enter the CA certificate's "
        "SHA-256, or add the CA to the --tls-cert file.",
    ),
    "qr_png": ("ទាញ​យក QR (PNG)", "Download the QR (PNG)"),
    "ca_typed_wins": (
        "ទុក​ទទេ ដើម្បី​ប្រើ​តម្លៃ​ខាងលើ។ តម្លៃ​ដែល​អ្នក​បញ្ចូល​នឹង​ជំនួស​វា (ឧ. ពេល TLS បញ្ចប់​នៅ proxy ខាងមុខ)។",
        "Leave empty to use the value above. A value you enter replaces it "
        "(e.g. when TLS ends at a proxy in front).",
    ),
    "ca_differs": (
        "ប្រយ័ត្ន៖ QR នេះ​មាន SHA-256 នៃ CA ដែល​អ្នក​បាន​បញ្ចូល ដែល​ខុស​ពី​ខ្សែ​វិញ្ញាបនបត្រ​របស់​ម៉ាស៊ីន​មេ​នេះ "
        "({own})។ ម៉ាស៊ីន​សាលា​ឃុំ​នឹង​បដិសេធ​ម៉ាស៊ីន​មេ លុះ​ត្រា​តែ​វា​បង្ហាញ CA ដែល​អ្នក​បាន​បញ្ចូល។",
        "Careful: this QR carries the CA SHA-256 you entered, which differs from this server's "
        "own certificate chain ({own}). Kiosks will refuse the server unless it presents the "
        "CA you entered.",
    ),
    "ca_unknown_read": (
        "មិន​អាច​អាន​វិញ្ញាបនបត្រ TLS របស់​ម៉ាស៊ីន​មេ​នេះ​បាន​ទេ។ សូម​បញ្ចូល SHA-256 នៃ​វិញ្ញាបនបត្រ CA។",
        "This server's TLS certificate could not be read here. Enter the CA certificate's SHA-256.",
    ),
    "code_bad_commune": (
        "លេខ​កូដ​ឃុំ​ត្រូវ​មាន ៦ ខ្ទង់ (លេខ​កូដ MEF) ឧ. 120101",
        "commune code must be 6 digits (MEF code), e.g. 120101",
    ),
    "code_bad_hours": ("ចំនួន​ម៉ោង៖ ពី ១ ដល់ {max}", "hours: 1 to {max}"),
    "code_bad_url": (
        "អាសយដ្ឋាន​ម៉ាស៊ីន​មេ៖ http(s)://ឈ្មោះ​ម៉ាស៊ីន[:ច្រក]",
        "server address: http(s)://host[:port]",
    ),
    "code_bad_ca": (
        "SHA-256 នៃ CA៖ លេខ​គោល​ដប់ប្រាំមួយ ៦៤ ខ្ទង់",
        "CA SHA-256: 64 hex digits",
    ),
    # ready for pick-up on many applications (bulk.py)
    "pickup_date": ("កាលបរិច្ឆេទ​មក​យក", "Pick-up date"),
    "bulk_ready_done": (
        "រួចរាល់​សម្រាប់​មក​យក៖ {n}។ មិន​បាន​ប្ដូរ៖ {skipped} (មិន​ទាន់​អនុម័ត ក្រៅ​សិទ្ធិ ឬ​មិន​បាន​ចាត់​ឱ្យ​អ្នក)។",
        "Ready for pick-up: {n}. Not changed: {skipped} (not approved, outside your rights, "
        "or not assigned to you).",
    ),
    "bulk_ready_place_date": (
        "សូម​បញ្ជាក់​ទីកន្លែង និង​កាលបរិច្ឆេទ​មក​យក (YYYY-MM-DD) មុន​ចុច «រួចរាល់​សម្រាប់​មក​យក»។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "Give the pick-up place and date (YYYY-MM-DD) for Ready for pick-up. Nothing was changed.",
    ),
}
