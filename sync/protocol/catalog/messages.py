"""What a catalog check says, in Khmer and English: one code per kind of problem.

The kiosk (technician's log, diagnostics) and the back office (the admin who uploads a
catalog) show the same words for the same problem, so they live here beside the validator,
not in either side's translations. The English is what `CatalogError.message` always said.
"""

from __future__ import annotations

from sync.protocol.catalog.text import Text

__all__ = ["MESSAGES", "message_text"]

# code -> (Khmer, English); placeholders in {braces}.
MESSAGES: dict[str, tuple[str, str]] = {
    "not_object": ("ត្រូវ​តែ​ជា object (វត្ថុ JSON)", "must be an object"),
    "unknown_key": ("មិន​មែន​ជា​ឈ្មោះ​ដែល​ស្គាល់​ទេ", "is not a known key"),
    "not_list": ("ត្រូវ​តែ​ជា​បញ្ជី (list)", "must be a list"),
    "too_many": ("មាន​ធាតុ​លើស {cap}", "has more than {cap} entries"),
    "not_string": ("ត្រូវ​តែ​ជា​អក្សរ (string)", "must be a string"),
    "too_long": ("វែង​ជាង {max} តួអក្សរ", "is longer than {max} characters"),
    "empty": ("មិន​អាច​ទទេ​បាន​ទេ", "must not be empty"),
    "bad_id": (
        "ត្រូវ​តែ​ជា​អក្សរ​ឡាតាំង​តូច លេខ និង _ (យ៉ាង​ច្រើន ៦៤)",
        "must be lower-case letters, digits and _ (max 64)",
    ),
    "not_bool": ("ត្រូវ​តែ​ជា true ឬ false", "must be true or false"),
    "not_integer": ("ត្រូវ​តែ​ជា​ចំនួន​គត់", "must be a whole number"),
    "out_of_range": ("ត្រូវ​តែ​នៅ​ចន្លោះ {lo} និង {hi}", "must be between {lo} and {hi}"),
    "not_number": ("ត្រូវ​តែ​ជា​លេខ", "must be a number"),
    "not_finite": ("ត្រូវ​តែ​ជា​លេខ​កំណត់ (finite)", "must be a finite number"),
    "needs_km_en": ("ត្រូវ​មាន​ទាំង km (ខ្មែរ) និង en (អង់គ្លេស)", "needs both km and en"),
    "not_earlier": (
        "ត្រូវ​ដាក់​ឈ្មោះ​សំណួរ​មុន​នេះ (គ្មាន {ref} មុន​សំណួរ​នេះ​ទេ)",
        "must name an earlier field (no {ref} before this one)",
    ),
    "one_op": (
        "ត្រូវ​មាន​តែ​មួយ​ក្នុង​ចំណោម equals, not_equals, in",
        "needs exactly one of equals, not_equals, in",
    ),
    "used_twice": ("{value} ត្រូវ​បាន​ប្រើ​ពីរ​ដង", "{value} is used twice"),
    "no_options": (
        "សំណួរ​ជ្រើសរើស​ត្រូវ​មាន​ជម្រើស​យ៉ាង​ហោច​ណាស់​មួយ",
        "a choice field needs at least one option",
    ),
    "unsafe_pattern": (
        "មិន​មែន​ជា​កន្សោម​ធម្មតា (regex) ដែល​មាន​សុវត្ថិភាព​ទេ៖ {why}",
        "is not a safe regular expression: {why}",
    ),
    "greater_than": ("ធំ​ជាង {other}", "is greater than {other}"),
    "not_searchable": (
        "ចម្លើយ​ប្រភេទ {type} មិន​អាច​ស្វែងរក​បាន​ទេ",
        "a {type} answer cannot be searched",
    ),
    "one_of": ("ត្រូវ​តែ​ជា​មួយ​ក្នុង​ចំណោម {choices}", "must be one of {choices}"),
    "no_fields": ("សេវា​មួយ​ត្រូវ​មាន​សំណួរ​យ៉ាង​ហោច​ណាស់​មួយ", "a service needs at least one field"),
    "too_large": ("ឯកសារ​ធំ​ជាង {max} បៃ", "file is larger than {max} bytes"),
    "not_utf8": ("មិន​មែន​ជា​អត្ថបទ UTF-8 ទេ", "is not UTF-8 text"),
    "bad_json": ("មិន​មែន​ជា JSON ត្រឹមត្រូវ​ទេ៖ {detail}", "is not valid JSON: {detail}"),
    "bad_format": (
        "ជា​ទម្រង់ {found}; កម្មវិធី​នេះ​អាន​ទម្រង់ {want}",
        "is {found}; this program reads format {want}",
    ),
    "no_usable_service": (
        "គ្មាន​សេវា​ណា​ដែល​ម៉ាស៊ីន​សាលា​ឃុំ​អាច​ផ្ដល់​បាន​ទេ ({reasons})",
        "no service this kiosk can offer ({reasons})",
    ),
    "unreadable": ("មិន​អាច​អាន​បាន​ទេ៖ {detail}", "cannot be read: {detail}"),
    # why a pattern is refused (the {why} of unsafe_pattern)
    "pattern_too_long": ("លំនាំ​វែង​ជាង {max} តួអក្សរ", "pattern longer than {max} characters"),
    "pattern_backref": (
        "លំនាំ​ប្រើ back-reference ដែល RE2 មិន​អាច​ដំណើរការ​បាន",
        "pattern uses a back-reference, which RE2 cannot run",
    ),
    "pattern_lookaround": (
        "លំនាំ​ប្រើ lookahead ឬ lookbehind ដែល RE2 មិន​អាច​ដំណើរការ​បាន",
        "pattern uses lookahead or lookbehind, which RE2 cannot run",
    ),
    "pattern_re2": (
        "RE2 មិន​អាច​ដំណើរការ​លំនាំ​នេះ​បាន​ទេ៖ {reason}",
        "RE2 cannot run this pattern: {reason}",
    ),
    "pattern_surrogate": (
        "លំនាំ​មាន​តួអក្សរ surrogate តែ​ឯង",
        "pattern holds a lone surrogate character",
    ),
    "pattern_nested": (
        "លំនាំ​មាន​ក្រុម​ដែល​មាន quantifier នៅ​ខាង​ក្នុង ហើយ​ខ្លួន​វា​ក៏​មាន quantifier",
        "pattern has a quantified group containing a quantifier",
    ),
}


def message_text(code: str, **params: object) -> Text:
    """The message for `code` in both languages, placeholders filled (a Text param gives its
    Khmer to the Khmer message and its English to the English one)."""
    km, en = MESSAGES[code]
    km_params = {k: v.km if isinstance(v, Text) else v for k, v in params.items()}
    en_params = {k: v.en if isinstance(v, Text) else v for k, v in params.items()}
    return Text(km=km.format(**km_params), en=en.format(**en_params))
