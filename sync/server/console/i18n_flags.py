"""The console's words for the second-look flags and the supervisors' second review
(issue 13), Khmer first; merged into `i18n.WORDS` (kept apart so i18n.py stays small)."""

from __future__ import annotations

FLAG_WORDS: dict[str, tuple[str, str]] = {
    "f_similar_photo": (
        "រូបថត​ស្រដៀង​គ្នា",
        "Similar photo",
    ),
    "fh_similar_photo": (
        "រូបថត​មុខ​ស្ទើរតែ​ដូចគ្នា (រូប​ដដែល​ដែល​បាន​រក្សាទុក​ម្ដង​ទៀត ប្ដូរ​ទំហំ ឬ​ពន្លឺ) មាន​នៅ​លើ​ពាក្យ​ស្នើសុំ​របស់​មនុស្ស​ផ្សេង​ទៀត។",
        "A near-identical face photo (the same picture saved again, resized or brightened) is on "
        "applications of other people.",
    ),
    "f_kiosk_overrides": (
        "ម៉ាស៊ីន​បដិសេធ​ការ​ត្រួតពិនិត្យ​ញឹកញាប់",
        "Kiosk overrides often",
    ),
    "fh_kiosk_overrides": (
        "ម៉ាស៊ីន​នេះ​បាន​ទទួល​យក​រូបថត​ដែល​មិន​ឆ្លង​ការ​ត្រួតពិនិត្យ លើ​ចំណែក​ធំ​ខុស​ធម្មតា​នៃ​ពាក្យ​ស្នើសុំ​របស់​វា​ក្នុង​ថ្ងៃ​ថ្មីៗ​នេះ។",
        "This kiosk accepted photos that failed a capture check on an unusually large share of "
        "its applications in recent days.",
    ),
    "second_review": (
        "ការ​ពិនិត្យ​ឡើងវិញ​លើក​ទី​ពីរ",
        "Second review",
    ),
    "sr_intro": (
        "ពាក្យ​ស្នើសុំ​ដែល​បាន​សម្រេច​ហើយ ប្រហែល {share}% ក្នុង​ឃុំ​នីមួយៗ "
        "ត្រូវ​បាន​ជ្រើស​ដោយ​ចៃដន្យ​សម្រាប់​ការ​ពិនិត្យ​ឡើងវិញ។ "
        "មន្ត្រី​មិន​ដឹង​ថា​ពាក្យ​ណា​ត្រូវ​បាន​ជ្រើស​ទេ។",
        "About {share}% of each commune's decided applications are drawn at random for a second "
        "look. Officers cannot tell which ones are drawn.",
    ),
    "sr_communes": ("ឃុំ​ដែល​មាន​ចំណែក​ផ្ទាល់​ខ្លួន៖", "Communes with their own share:"),
    "sr_waiting": (
        "រង់ចាំ​ការ​ពិនិត្យ",
        "Waiting for review",
    ),
    "sr_done": (
        "បាន​ពិនិត្យ​រួច",
        "Reviewed",
    ),
    "sr_decision": (
        "ការ​សម្រេច",
        "Decision",
    ),
    "sr_decided_by": (
        "សម្រេច​ដោយ",
        "Decided by",
    ),
    "sr_review": (
        "ការ​ពិនិត្យ​របស់​អ្នក",
        "Your review",
    ),
    "sr_agree": (
        "យល់ព្រម",
        "Agree",
    ),
    "sr_disagree": (
        "មិន​យល់ព្រម",
        "Disagree",
    ),
    "sr_note": (
        "មូលហេតុ (ចាំបាច់​ពេល​មិន​យល់ព្រម)",
        "Why (needed to disagree)",
    ),
    "sr_verdict": (
        "លទ្ធផល",
        "Verdict",
    ),
    "sr_reviewer": (
        "អ្នក​ពិនិត្យ",
        "Reviewer",
    ),
    "sr_saved": (
        "បាន​រក្សាទុក​ការ​ពិនិត្យ។",
        "Review saved.",
    ),
    "sr_pick_verdict": (
        "សូម​ជ្រើស យល់ព្រម ឬ​មិន​យល់ព្រម។ គ្មាន​អ្វី​ត្រូវ​បាន​រក្សាទុក​ទេ។",
        "Choose agree or disagree. Nothing was saved.",
    ),
    "sr_note_required": (
        "សូម​សរសេរ​មូលហេតុ​ដែល​អ្នក​មិន​យល់ព្រម។ គ្មាន​អ្វី​ត្រូវ​បាន​រក្សាទុក​ទេ។",
        "Write why you disagree. Nothing was saved.",
    ),
    "sr_not_sampled": (
        "ពាក្យ​ស្នើសុំ​នេះ​មិន​ស្ថិត​ក្នុង​គំរូ​ត្រួតពិនិត្យ​ទេ។",
        "This application is not in the audit sample.",
    ),
    "sr_own_decision": (
        "អ្នក​មិន​អាច​ពិនិត្យ​ការ​សម្រេច​របស់​ខ្លួន​ឯង​បាន​ទេ។",
        "You cannot review your own decision.",
    ),
    "sr_already_reviewed": (
        "ពាក្យ​ស្នើសុំ​នេះ​ត្រូវ​បាន​ពិនិត្យ​រួច​ហើយ។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "This application has already been reviewed. Nothing was changed.",
    ),
}
