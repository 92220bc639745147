"""The console's words for the processing-time dashboard (performance.py), Khmer first;
merged into `i18n.WORDS` (kept apart so i18n.py stays small)."""

from __future__ import annotations

PERF_WORDS: dict[str, tuple[str, str]] = {
    "pf_title": (
        "រយៈពេល​ដោះស្រាយ​ពាក្យ​ស្នើសុំ",
        "Processing times",
    ),
    "pf_link": (
        "រយៈពេល​តាម​ក្រសួង ខេត្ត ឃុំ និង​សេវា",
        "Timing per ministry, province, commune and service",
    ),
    "pf_group": (
        "ដាក់​ជា​ក្រុម​តាម",
        "Group by",
    ),
    "pf_received": (
        "បាន​ទទួល",
        "Received",
    ),
    "pf_decided": (
        "បាន​សម្រេច",
        "Decided",
    ),
    "pf_median": (
        "មេដ្យាន (ថ្ងៃ)",
        "Median (days)",
    ),
    "pf_p90": (
        "ភាគរយ​ទី​៩០ (ថ្ងៃ)",
        "90th percentile (days)",
    ),
    "pf_promised": (
        "ថ្ងៃ​ដែល​បាន​សន្យា",
        "Promised days",
    ),
    "pf_mixed": (
        "ច្រើន​ប្រភេទ",
        "mixed",
    ),
    "pf_within": (
        "សម្រេច​ទាន់​ពេល​សន្យា",
        "Decided within promise",
    ),
    "pf_overdue": (
        "ហួស​ថ្ងៃ​កំណត់​ឥឡូវ",
        "Overdue now",
    ),
    "pf_papers": (
        "អត្រា​ស្នើ​ឯកសារ​បន្ថែម",
        "Needs-papers rate",
    ),
    "pf_fees": (
        "ថ្លៃ​សេវា​ត្រូវ​បង់ (រៀល)",
        "Fees due (riel)",
    ),
    "pf_fee_unknown": (
        "{n} ពាក្យ​ស្នើសុំ​គ្មាន​ថ្លៃ​កំណត់​ក្នុង​កាតាឡុក",
        "{n} with no fixed fee in the catalog",
    ),
    "pf_chart": (
        "ថ្ងៃ​ពី​ការ​ដាក់​ពាក្យ​នៅ​ម៉ាស៊ីន​ដល់​ការ​សម្រេច",
        "Days from submission at the kiosk to decision",
    ),
    "pf_intro": (
        "ថ្ងៃ​រាប់​ពី​ការ​ដាក់​ពាក្យ​នៅ​ម៉ាស៊ីន​សាលា​ឃុំ​ដល់​ការ​អនុម័ត​ឬ​បដិសេធ​លើក​ដំបូង។ "
        "ថ្លៃ​សេវា​ត្រូវ​បង់៖ ថ្លៃ​ថេរ​ក្នុង​កាតាឡុក​នៃ​ពាក្យ​ស្នើសុំ​នីមួយៗ​ដែល​មិន​ត្រូវ​បាន​បដិសេធ។",
        "Days run from the submission at the commune kiosk to the first approval or rejection. "
        "Fees due: the catalog's fixed fee of every application not rejected.",
    ),
    "pf_more": (
        "បង្ហាញ {shown} ក្នុង​ចំណោម {total}។ ឯកសារ CSV មាន​ទាំងអស់។",
        "Showing {shown} of {total}. The CSV has them all.",
    ),
    "pf_none": (
        "គ្មាន​ពាក្យ​ស្នើសុំ​ក្នុង​តម្រង​នេះ​ទេ។",
        "No applications within these filters.",
    ),
    "pf_none_decided": (
        "មិន​ទាន់​មាន​ការ​សម្រេច​ទេ។",
        "Nothing decided yet.",
    ),
    "m_unowned": (
        "គ្មាន​ក្រសួង​ទទួល​បន្ទុក",
        "No owning ministry",
    ),
}

# The MEF's 25 provinces (codes and names as in the gazetteer the kiosks bundle, from
# data.mef.gov.kh, see assets/gazetteer/NOTICE): the server has no province list of its own,
# and a published gazetteer names communes only (communes.py).
PROVINCE_NAMES: dict[str, tuple[str, str]] = {
    "01": ("បន្ទាយមានជ័យ", "Banteay Meanchey"),
    "02": ("បាត់ដំបង", "Battambang"),
    "03": ("កំពង់ចាម", "Kampong Cham"),
    "04": ("កំពង់ឆ្នាំង", "Kampong Chhnang"),
    "05": ("កំពង់ស្ពឺ", "Kampong Speu"),
    "06": ("កំពង់ធំ", "Kampong Thom"),
    "07": ("កំពត", "Kampot"),
    "08": ("កណ្ដាល", "Kandal"),
    "09": ("កោះកុង", "Koh Kong"),
    "10": ("ក្រចេះ", "Kratie"),
    "11": ("មណ្ឌលគិរី", "Mondul Kiri"),
    "12": ("រាជធានីភ្នំពេញ", "Phnom Penh"),
    "13": ("ព្រះវិហារ", "Preah Vihear"),
    "14": ("ព្រៃវែង", "Prey Veng"),
    "15": ("ពោធិ៍សាត់", "Pursat"),
    "16": ("រតនគិរី", "Ratanak Kiri"),
    "17": ("សៀមរាប", "Siemreap"),
    "18": ("ព្រះសីហនុ", "Sihanoukville"),
    "19": ("ស្ទឹងត្រែង", "Stung Treng"),
    "20": ("ស្វាយរៀង", "Svay Rieng"),
    "21": ("តាកែវ", "Takeo"),
    "22": ("ឧត្ដរមានជ័យ", "Otdar Meanchey"),
    "23": ("កែប", "Kep"),
    "24": ("ប៉ៃលិន", "Pailin"),
    "25": ("ត្បូងឃ្មុំ", "Tboung Khmum"),
}
