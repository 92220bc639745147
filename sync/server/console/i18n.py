"""The console's words in Khmer (first) and English; `t(key, lang)` falls back to the key.

Kept in one table beside each other so a missing Khmer string shows up in review, not on a page.
"""

from __future__ import annotations

LANGS = ("km", "en")

WORDS: dict[str, tuple[str, str]] = {
    "app_title": ("ប្រព័ន្ធ​គ្រប់គ្រង​សាលា", "Sala back office"),
    "lang_other": ("English", "ខ្មែរ"),
    "sign_in": ("ចូល​ប្រើ", "Sign in"),
    "sign_out": ("ចាកចេញ", "Sign out"),
    "username": ("ឈ្មោះ​អ្នក​ប្រើ", "Username"),
    "password": ("ពាក្យ​សម្ងាត់", "Password"),
    "totp": ("លេខ​កូដ ៦ ខ្ទង់​ពី​កម្មវិធី​ផ្ទៀងផ្ទាត់", "6-digit code from your authenticator app"),
    "bad_credentials": (
        "ឈ្មោះ​អ្នក​ប្រើ ពាក្យ​សម្ងាត់ ឬ​លេខ​កូដ​មិន​ត្រឹមត្រូវ។",
        "The username, password or code is not right.",
    ),
    "locked_account": (
        "ព្យាយាម​ខុស​ច្រើន​ដង​ពេក (៥ ដង)។ សូម​ព្យាយាម​ម្ដង​ទៀត​ក្នុង​រយៈពេល {minutes} នាទី។",
        "Too many failed attempts (5). Try again in {minutes} minutes.",
    ),
    "locked_source": (
        "ព្យាយាម​ខុស​ច្រើន​ដង​ពេក​ពី​កុំព្យូទ័រ​នេះ (២០ ដង)។ សូម​ព្យាយាម​ម្ដង​ទៀត​ក្នុង​រយៈពេល {minutes} នាទី។",
        "Too many failed attempts from this computer (20). Try again in {minutes} minutes.",
    ),
    "csrf": (
        "ទម្រង់​នេះ​ផុត​សុពលភាព​ហើយ។ សូម​បើក​ទំព័រ​ម្ដង​ទៀត ហើយ​ព្យាយាម​ម្ដង​ទៀត។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "This form has expired. Reload the page and try again. Nothing was changed.",
    ),
    "session_ended": (
        "វគ្គ​របស់​អ្នក​បាន​បញ្ចប់ (១៥ នាទី​គ្មាន​សកម្មភាព ឬ ៨ ម៉ោង)។ សូម​ចូល​ម្ដង​ទៀត។",
        "Your session has ended (15 minutes idle or 8 hours). Please sign in again.",
    ),
    "signed_out": ("អ្នក​បាន​ចាកចេញ​ហើយ។", "You have signed out."),
    "not_found": ("រក​មិន​ឃើញ។", "Not found."),
    "other_ministry": (
        "ពាក្យ​ស្នើសុំ​នេះ​ជា​របស់​ក្រសួង​ផ្សេង។ អ្នក​មិន​អាច​មើល​វា​បាន​ទេ។",
        "This application belongs to another ministry. You cannot see it.",
    ),
    "outside_jurisdiction": (
        "ពាក្យ​ស្នើសុំ​នេះ​នៅ​ក្រៅ​តំបន់​ដែល​អ្នក​ទទួល​បន្ទុក។",
        "This application is outside your jurisdiction.",
    ),
    "forbidden_role": ("តួនាទី​របស់​អ្នក​មិន​អនុញ្ញាត​ឱ្យ​ធ្វើ​ការ​នេះ​ទេ។", "Your role does not allow this."),
    "role_cannot_decide": (
        "អ្នក​គ្រប់គ្រង​មិន​សម្រេច​លើ​ពាក្យ​ស្នើសុំ​ទេ។",
        "Administrators do not decide applications.",
    ),
    "admin_only": ("សម្រាប់​អ្នក​គ្រប់គ្រង​ប៉ុណ្ណោះ។", "For administrators only."),
    "not_assignee": (
        "ពាក្យ​ស្នើសុំ​នេះ​ត្រូវ​បាន​ចាត់​ឱ្យ​មន្ត្រី​ម្នាក់​ទៀត។ មាន​តែ​អ្នក​នោះ​ទេ​ដែល​អាច​សម្រេច​បាន។",
        "This application is assigned to another officer; only they can decide it.",
    ),
    "take_first": (
        "សូម​ចាប់ផ្ដើម​ពិនិត្យ​ជាមុន​សិន (វា​នឹង​ចាត់​ពាក្យ​ស្នើសុំ​ឱ្យ​អ្នក)។",
        "Start the review first (that assigns the application to you).",
    ),
    "only_supervisor_assigns": (
        "មាន​តែ​អ្នក​ត្រួតពិនិត្យ​ទេ​ដែល​អាច​ចាត់​ការងារ​ឡើងវិញ។",
        "Only a supervisor can reassign.",
    ),
    "bad_assignee": ("មិន​អាច​ចាត់​ឱ្យ​មន្ត្រី​នេះ​បាន​ទេ។", "This officer cannot be assigned."),
    "bad_transition": (
        "ស្ថានភាព​បច្ចុប្បន្ន​មិន​អនុញ្ញាត​ឱ្យ​ធ្វើ​ការ​នេះ​ទេ។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "The current status does not allow this. Nothing was changed.",
    ),
    "note_required": ("សូម​សរសេរ​ថា​ត្រូវ​ការ​ឯកសារ​អ្វី។", "Write which papers are needed."),
    "reason_required": ("ការ​បដិសេធ​ត្រូវ​មាន​មូលហេតុ។", "A rejection needs a reason."),
    "place_date_required": (
        "សូម​បញ្ជាក់​ទីកន្លែង និង​កាលបរិច្ឆេទ (YYYY-MM-DD)។",
        "Give the place and the date (YYYY-MM-DD).",
    ),
    "unknown_action": ("សកម្មភាព​មិន​ស្គាល់។", "Unknown action."),
    "done": ("បាន​រក្សាទុក។ ព័ត៌មាន​នឹង​ទៅ​ដល់​ម៉ាស៊ីន​សាលា​ឃុំ។", "Saved. It will reach the commune's kiosk."),
    # queues
    "q_new": ("ថ្មី", "New"),
    "q_mine": ("ចាត់​ឱ្យ​ខ្ញុំ", "Assigned to me"),
    "q_in_review": ("កំពុង​ពិនិត្យ", "In review"),
    "q_needs_papers": ("ត្រូវការ​ឯកសារ", "Needs papers"),
    "q_supplement": ("ឯកសារ​បន្ថែម​បាន​មក​ដល់", "Supplement arrived"),
    "q_due_soon": ("ជិត​ដល់​ថ្ងៃ​កំណត់", "Due soon"),
    "q_overdue": ("ហួស​ថ្ងៃ​កំណត់", "Overdue"),
    "q_approved": ("បាន​អនុម័ត ត្រូវ​រៀបចំ", "Approved, to be made ready"),
    "q_ready": ("រួចរាល់​សម្រាប់​មក​យក", "Ready for pick-up"),
    "q_decided": ("បាន​សម្រេច", "Decided"),
    "supplement_soon": (
        "ម៉ាស៊ីន​សាលា​ឃុំ​មិន​ទាន់​អាច​ផ្ញើ​ឯកសារ​បន្ថែម​បាន​នៅ​ឡើយ​ទេ។",
        "Kiosks cannot send supplements yet.",
    ),
    # statuses
    "s_received": ("បាន​ទទួល", "Received"),
    "s_in_review": ("កំពុង​ពិនិត្យ", "In review"),
    "s_needs_papers": ("ត្រូវការ​ឯកសារ​បន្ថែម", "Needs papers"),
    "s_approved": ("បាន​អនុម័ត", "Approved"),
    "s_rejected": ("បាន​បដិសេធ", "Rejected"),
    "s_ready_for_pickup": ("រួចរាល់​សម្រាប់​មក​យក", "Ready for pick-up"),
    "s_collected": ("បាន​មក​យក​ហើយ", "Collected"),
    # queue page
    "queues": ("ជួរ​ការងារ", "Work queues"),
    "filters": ("តម្រង", "Filters"),
    "province": ("ខេត្ត", "Province"),
    "district": ("ស្រុក/ខណ្ឌ", "District"),
    "commune": ("ឃុំ/សង្កាត់", "Commune"),
    "service": ("សេវា", "Service"),
    "status": ("ស្ថានភាព", "Status"),
    "any": ("ទាំងអស់", "Any"),
    "apply": ("អនុវត្ត", "Apply"),
    "search": ("ស្វែងរក", "Search"),
    "app_number": ("លេខ​ពាក្យ​ស្នើសុំ", "Application number"),
    "search_results": ("លទ្ធផល​ស្វែងរក", "Search results"),
    "assignee": ("អ្នក​ទទួល​បន្ទុក", "Assignee"),
    "submitted": ("បាន​ដាក់​នៅ​ម៉ាស៊ីន", "Submitted at the kiosk"),
    "received": ("ម៉ាស៊ីន​មេ​បាន​ទទួល", "Received by the server"),
    "promised": ("ថ្ងៃ​សន្យា", "Promised date"),
    "days_left": ("ថ្ងៃ​នៅ​សល់", "Days left"),
    "none_here": ("គ្មាន​ពាក្យ​ស្នើសុំ​នៅ​ទីនេះ​ទេ។", "No applications here."),
    "page_of": ("ទំព័រ {page} នៃ {pages}", "Page {page} of {pages}"),
    "previous": ("មុន", "Previous"),
    "next": ("បន្ទាប់", "Next"),
    "nobody": ("គ្មាន", "nobody"),
    # application page
    "answers": ("ចម្លើយ", "Answers"),
    "photos": ("រូបថត និង​ទំព័រ​ឯកសារ", "Photo and pages"),
    "history": ("ប្រវត្តិ​ស្ថានភាព និង​កំណត់​ចំណាំ", "Status history and notes"),
    "kiosk": ("ម៉ាស៊ីន​សាលា​ឃុំ", "Kiosk"),
    "timing": ("ពេលវេលា", "Timing"),
    "actions": ("សកម្មភាព", "Actions"),
    "start_review": ("ចាប់ផ្ដើម​ពិនិត្យ", "Start review"),
    "request_papers": ("ស្នើ​សុំ​ឯកសារ​បន្ថែម", "Request papers"),
    "note_km": ("កំណត់​ចំណាំ​ជា​ភាសា​ខ្មែរ", "Note in Khmer"),
    "note_en": ("កំណត់​ចំណាំ​ជា​ភាសា​អង់គ្លេស", "Note in English"),
    "approve": ("អនុម័ត", "Approve"),
    "reject": ("បដិសេធ", "Reject"),
    "reason": ("មូលហេតុ (ចាំបាច់)", "Reason (required)"),
    "ready": ("រួចរាល់​សម្រាប់​មក​យក", "Ready for pick-up"),
    "place": ("ទីកន្លែង​មក​យក", "Pick-up place"),
    "date": ("កាលបរិច្ឆេទ", "Date"),
    "take": ("យក​ពាក្យ​ស្នើសុំ​នេះ", "Take this application"),
    "reassign": ("ចាត់​ឱ្យ​មន្ត្រី​ផ្សេង", "Reassign"),
    "ministry": ("ក្រសួង", "Ministry"),
    "by": ("ដោយ", "by"),
    "no_catalog": (
        "ម៉ាស៊ីន​មេ​មិន​មាន​បញ្ជី​សេវា​សម្រាប់​កំណែ​នេះ​ទេ៖ បង្ហាញ​ឈ្មោះ​វាល​ដើម។",
        "The server has no catalog for this version: raw field names shown.",
    ),
    "overdue_by": ("ហួស {days} ថ្ងៃ", "{days} days overdue"),
    # officers page
    "officers": ("មន្ត្រី", "Officers"),
    "add_officer": ("បន្ថែម​មន្ត្រី", "Add an officer"),
    "display_name": ("ឈ្មោះ​បង្ហាញ", "Display name"),
    "role": ("តួនាទី", "Role"),
    "jurisdiction": ("តំបន់​ទទួល​បន្ទុក (លេខ​កូដ ឬ all)", "Jurisdiction (codes, or all)"),
    "create": ("បង្កើត", "Create"),
    "enrol_totp": (
        "ស្កេន​កូដ QR នេះ​ជាមួយ​កម្មវិធី​ផ្ទៀងផ្ទាត់ (វា​បង្ហាញ​តែ​ម្ដង​ប៉ុណ្ណោះ)។",
        "Scan this QR code with an authenticator app (it is shown only once).",
    ),
    "created": ("បាន​បង្កើត​គណនី", "Account created"),
    "bad_field": ("ព័ត៌មាន​មិន​ត្រឹមត្រូវ៖ {detail}", "Not accepted: {detail}"),
    "r_officer": ("មន្ត្រី", "Officer"),
    "r_supervisor": ("អ្នក​ត្រួតពិនិត្យ", "Supervisor"),
    "r_admin": ("អ្នក​គ្រប់គ្រង", "Administrator"),
    "m_interior": ("ក្រសួង​មហាផ្ទៃ", "Ministry of Interior"),
    "m_mpwt": ("ក្រសួង​សាធារណការ និង​ដឹកជញ្ជូន", "Ministry of Public Works and Transport"),
    "m_commerce": ("ក្រសួង​ពាណិជ្ជកម្ម", "Ministry of Commerce"),
    "m_justice": ("ក្រសួង​យុត្តិធម៌", "Ministry of Justice"),
    "m_health": ("ក្រសួង​សុខាភិបាល", "Ministry of Health"),
    "m_education": ("ក្រសួង​អប់រំ", "Ministry of Education"),
    "m_*": ("គ្រប់​ក្រសួង", "All ministries"),
}


def t(key: str, lang: str, **values: object) -> str:
    pair = WORDS.get(key)
    text = key if pair is None else pair[0 if lang == "km" else 1]
    return text.format(**values) if values else text
