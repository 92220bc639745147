"""Note templates for decisions, in Khmer and English: which papers are needed, why a request
is rejected. The citizen reads the note at the kiosk, so a chosen template gives the same
words every time (and both languages), and the officer may add a line of their own.

Templates are keyed by service id; "*" applies to every service. The note sent is
"km / en", as the console's typed notes are.
"""

from __future__ import annotations

KINDS = ("papers", "reject")

TEMPLATES: dict[str, dict[str, dict[str, tuple[str, str]]]] = {
    "papers": {
        "*": {
            "family_book": (
                "សូម​យក​សៀវភៅ​គ្រួសារ​ដើម​មក​សាលា​ឃុំ។",
                "Please bring the original family book to the commune hall.",
            ),
            "id_card": (
                "សូម​យក​អត្តសញ្ញាណប័ណ្ណ​ដើម​មក​សាលា​ឃុំ។",
                "Please bring your original national ID card to the commune hall.",
            ),
            "photo_retake": (
                "រូបថត​មិន​ច្បាស់។ សូម​មក​ថត​រូប​ម្ដង​ទៀត​នៅ​ម៉ាស៊ីន​សាលា​ឃុំ។",
                "The photo is not clear. Please come back to retake it at the kiosk.",
            ),
            "page_unreadable": (
                "ទំព័រ​ឯកសារ​មួយ​អាន​មិន​បាន។ សូម​យក​ឯកសារ​ដើម​មក​ស្កេន​ម្ដង​ទៀត។",
                "A page cannot be read. Please bring the original to scan it again.",
            ),
        },
        "birth_certificate_copy": {
            "authorisation": (
                "សូម​យក​លិខិត​ប្រគល់​សិទ្ធិ​ពី​សាមី​ខ្លួន​មក។",
                "Please bring a signed authorisation from the person named.",
            ),
        },
        "driving_licence_renewal": {
            "medical": (
                "សូម​យក​វិញ្ញាបនបត្រ​សុខភាព​ថ្មី (តិច​ជាង ៣ ខែ) មក។",
                "Please bring a medical certificate less than 3 months old.",
            ),
        },
    },
    "reject": {
        "*": {
            "not_eligible": (
                "អ្នក​មិន​មាន​សិទ្ធិ​ទទួល​សេវា​នេះ​តាម​ច្បាប់​ជា​ធរមាន​ទេ។",
                "You are not eligible for this service under the rules in force.",
            ),
            "duplicate": (
                "ពាក្យ​ស្នើសុំ​ដូចគ្នា​នេះ​កំពុង​ដំណើរការ​រួច​ហើយ។",
                "The same application is already being processed.",
            ),
            "papers_not_brought": (
                "ឯកសារ​ដែល​បាន​ស្នើ​មិន​ត្រូវ​បាន​យក​មក​ក្នុង​រយៈពេល​កំណត់​ទេ។",
                "The papers requested were not brought within the time given.",
            ),
            "details_mismatch": (
                "ព័ត៌មាន​មិន​ត្រូវ​គ្នា​នឹង​ឯកសារ​ផ្លូវការ​ទេ។",
                "The details do not match the official records.",
            ),
        },
    },
}


def for_service(kind: str, service_id: str) -> dict[str, tuple[str, str]]:
    """The templates an officer may pick for this service: the general ones, then its own."""
    table = TEMPLATES.get(kind, {})
    return {**table.get("*", {}), **table.get(service_id, {})}


def text(kind: str, service_id: str, key: str) -> tuple[str, str] | None:
    """(km, en) of one template, or None if there is no such template for this service."""
    return for_service(kind, service_id).get(key)
