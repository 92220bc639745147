"""The console's words in Khmer (first) and English; `t(key, lang)` falls back to the key.

Kept in one table beside each other so a missing Khmer string shows up in review, not on a page.
"""

from __future__ import annotations

from sync.server.console.i18n_admin import ADMIN_WORDS
from sync.server.console.i18n_application import APPLICATION_WORDS
from sync.server.console.i18n_flags import FLAG_WORDS
from sync.server.console.i18n_fleet import FLEET_WORDS
from sync.server.console.i18n_performance import PERF_WORDS
from sync.server.console.i18n_staff import STAFF_WORDS

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
    # filters, flags, bulk actions, note templates (issue 13, second round)
    "flag": ("សញ្ញា​ត្រួតពិនិត្យ", "Flag"),
    "flags": ("សញ្ញា", "Flags"),
    "f_same_phone": ("លេខ​ទូរស័ព្ទ​ដូចគ្នា", "Same phone"),
    "f_same_photo": ("រូបថត​ដូចគ្នា", "Same photo"),
    "f_outside_hours": ("ក្រៅ​ម៉ោង​ធ្វើការ", "Outside hours"),
    "f_override": ("បដិសេធ​ការ​ត្រួតពិនិត្យ​រូបថត", "Photo check overridden"),
    "fh_same_phone": (
        "លេខ​ទូរស័ព្ទ​នេះ​ក៏​មាន​នៅ​លើ​ពាក្យ​ស្នើសុំ​របស់​មនុស្ស​ផ្សេង​ទៀត។",
        "This phone number is also on applications of other people.",
    ),
    "fh_same_photo": (
        "រូបថត​មុខ​នេះ​ក៏​មាន​នៅ​លើ​ពាក្យ​ស្នើសុំ​របស់​មនុស្ស​ផ្សេង​ទៀត។",
        "This face photo is also on applications of other people.",
    ),
    "fh_outside_hours": (
        "បាន​ដាក់​ក្រៅ​ម៉ោង​បើក​សាលា​ឃុំ។",
        "Submitted outside the commune hall's opening hours.",
    ),
    "fh_override": (
        "បុគ្គលិក​បាន​ទទួល​យក​រូបថត​ដែល​មិន​ឆ្លង​ការ​ត្រួតពិនិត្យ។",
        "A clerk accepted a photo that failed a capture check.",
    ),
    "date_from": ("ដាក់​ពី​ថ្ងៃ", "Submitted from"),
    "date_to": ("ដល់​ថ្ងៃ", "to"),
    "search_what": ("លេខ​ពាក្យ​ស្នើសុំ ឈ្មោះ ឬ​លេខ​ទូរស័ព្ទ", "Application number, name or phone"),
    "select": ("ជ្រើស", "Select"),
    "selected": ("ពាក្យ​ស្នើសុំ​ដែល​បាន​ជ្រើស", "Selected applications"),
    "assign_me": ("ចាត់​ឱ្យ​ខ្ញុំ", "Assign to me"),
    "assign_to": ("ចាត់​ឱ្យ​មន្ត្រី", "Assign to officer"),
    "bulk_done": (
        "បាន​ចាត់ {n}។ មិន​អាច​ចាត់ {skipped} (ក្រៅ​សិទ្ធិ ឬ​មន្ត្រី​ម្នាក់​ទៀត​កំពុង​កាន់)។",
        "Assigned {n}. Not assigned {skipped} (outside your rights or held by another officer).",
    ),
    "bulk_empty": (
        "សូម​ជ្រើស​ពាក្យ​ស្នើសុំ​យ៉ាង​ហោច​ណាស់​មួយ។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "Select at least one application. Nothing was changed.",
    ),
    "bulk_unknown_action": ("សកម្មភាព​មិន​ស្គាល់។", "Unknown action."),
    "template": ("គំរូ​កំណត់​ចំណាំ", "Note template"),
    "no_template": ("— គ្មាន​គំរូ —", "— no template —"),
    "unknown_template": ("គំរូ​នេះ​មិន​មាន​សម្រាប់​សេវា​នេះ​ទេ។", "No such template for this service."),
    "who_viewed": ("អ្នក​ដែល​បាន​មើល", "Who viewed it"),
    "officer": ("មន្ត្រី", "Officer"),
    "times": ("ចំនួន​ដង", "Times"),
    "first_seen": ("លើក​ដំបូង", "First"),
    "last_seen": ("លើក​ចុងក្រោយ", "Last"),
    # dashboards
    "area": ("ខេត្ត ស្រុក ឬ​ឃុំ (លេខ​កូដ)", "Province, district or commune (code)"),
    "dashboards": ("ផ្ទាំង​សង្ខេប", "Dashboards"),
    "supervisors_only": ("សម្រាប់​អ្នក​ត្រួតពិនិត្យ​ប៉ុណ្ណោះ។", "For supervisors only."),
    "per_queue": ("ចំនួន​តាម​ជួរ​ការងារ", "Applications per queue"),
    "overdue_service": ("ហួស​ថ្ងៃ​កំណត់​តាម​សេវា", "Overdue per service"),
    "overdue_commune": ("ហួស​ថ្ងៃ​កំណត់​តាម​ឃុំ/សង្កាត់", "Overdue per commune"),
    "decisions_day": ("ការ​សម្រេច​ក្នុង​មួយ​ថ្ងៃ (៣០ ថ្ងៃ​ចុងក្រោយ)", "Decisions per day (last 30 days)"),
    "download_csv": ("ទាញ​យក CSV", "Download CSV"),
    "count": ("ចំនួន", "Count"),
    "day": ("ថ្ងៃ", "Day"),
    "nothing_overdue": ("គ្មាន​ពាក្យ​ស្នើសុំ​ហួស​ថ្ងៃ​កំណត់​ទេ។", "Nothing is overdue."),
    # fleet
    "fleet": ("ម៉ាស៊ីន​សាលា​ឃុំ", "Kiosks"),
    "kiosk_number": ("លេខ​ម៉ាស៊ីន", "Kiosk no."),
    "label": ("ឈ្មោះ", "Label"),
    "last_contact": ("ទំនាក់ទំនង​ចុងក្រោយ", "Last contact"),
    "version": ("កំណែ", "Version"),
    "backlog": ("មិន​ទាន់​ផ្ញើ", "Backlog"),
    "self_test": ("ការ​ធ្វើ​តេស្ត​ខ្លួនឯង", "Self-test"),
    "rollback": ("ត្រឡប់​ទៅ​កំណែ​មុន", "Rolled back"),
    "state": ("ស្ថានភាព", "State"),
    "active": ("សកម្ម", "Active"),
    "revoked": ("បាន​ដក​សិទ្ធិ", "Revoked"),
    "revoke": ("ដក​សិទ្ធិ", "Revoke"),
    "revoke_done": (
        "ម៉ាស៊ីន​ត្រូវ​បាន​ដក​សិទ្ធិ។ សំណើ​របស់​វា​នឹង​ត្រូវ​បដិសេធ។",
        "The kiosk is revoked: its requests are refused from now on.",
    ),
    "never": ("មិន​ដែល", "never"),
    "silent": ("ម៉ាស៊ីន​ស្ងាត់​លើស {days} ថ្ងៃ", "Kiosks silent for more than {days} days"),
    "silent_days": ("ចំនួន​ថ្ងៃ", "Days"),
    "show": ("បង្ហាញ", "Show"),
    "none_silent": ("គ្មាន​ម៉ាស៊ីន​ស្ងាត់​ទេ។", "No silent kiosks."),
    "code": ("លេខ​កូដ", "Code"),
    "make_code": ("បង្កើត​លេខ​កូដ​ចុះ​ឈ្មោះ", "Make an enrolment code"),
    "commune_code": ("លេខ​កូដ​ឃុំ/សង្កាត់ (៦ ខ្ទង់)", "Commune code (6 digits)"),
    "ttl_hours": ("មាន​សុពលភាព (ម៉ោង)", "Valid for (hours)"),
    "server_url": ("អាសយដ្ឋាន​ម៉ាស៊ីន​មេ", "Server address"),
    "ca_sha256": ("SHA-256 នៃ​វិញ្ញាបនបត្រ CA (ស្រេច​ចិត្ត)", "CA certificate SHA-256 (optional)"),
    "code_made": (
        "លេខ​កូដ​ចុះ​ឈ្មោះ (បង្ហាញ​តែ​ម្ដង)។ បោះពុម្ព QR សម្រាប់​អ្នក​បច្ចេកទេស។",
        "Enrolment code (shown once). Print the QR for the technician.",
    ),
    "bad_code_request": ("ព័ត៌មាន​មិន​ត្រឹមត្រូវ៖ {detail}", "Not accepted: {detail}"),
    "reports_note": (
        "ចំណាំ៖ ការ​ធ្វើ​តេស្ត​ខ្លួនឯង​មក​ពី​របាយការណ៍​ចុងក្រោយ​របស់​ម៉ាស៊ីន។",
        "Self-test, version and backlog come from each kiosk's latest report.",
    ),
    # catalogs (console/catalogs.py)
    "catalogs": ("កាតាឡុក​សេវា", "Catalogs"),
    "catalog_published": ("កំណែ​ដែល​បាន​ផ្សព្វផ្សាយ", "Published versions"),
    "catalog_published_at": ("ផ្សព្វផ្សាយ​នៅ", "Published"),
    "catalog_services": ("សេវា", "Services"),
    "catalog_current": ("កំពុង​ប្រើ", "Current"),
    "catalog_none": ("មិន​ទាន់​មាន​កាតាឡុក​ផ្សព្វផ្សាយ​ទេ។", "No catalog is published yet."),
    "catalog_drafts": ("សេចក្ដី​ព្រាង​រង់ចាំ​ផ្សព្វផ្សាយ", "Drafts waiting to be published"),
    "catalog_upload": ("ផ្ទុក​កាតាឡុក​ថ្មី", "Upload a new catalog"),
    "catalog_upload_help": (
        "ឯកសារ JSON (យ៉ាង​ច្រើន {mb} MB)។ វា​ត្រូវ​បាន​ពិនិត្យ​ដូច​ម៉ាស៊ីន​សាលា​ឃុំ​ពិនិត្យ។ "
        "គ្មាន​អ្វី​ទៅ​ដល់​ម៉ាស៊ីន​ទេ រហូត​ដល់​អ្នក​ផ្សព្វផ្សាយ។",
        "A JSON file (at most {mb} MB). It is checked exactly as a kiosk checks it; nothing "
        "reaches the kiosks until you publish it.",
    ),
    "catalog_file": ("ឯកសារ​កាតាឡុក (JSON)", "Catalog file (JSON)"),
    "catalog_check": ("ពិនិត្យ និង​មើល​ជាមុន", "Check and preview"),
    "catalog_refused": (
        "{file}៖ មាន​បញ្ហា {n} ដែល​ម៉ាស៊ីន​សាលា​ឃុំ​នឹង​បដិសេធ",
        "{file}: {n} problem(s) a kiosk would refuse",
    ),
    "catalog_nothing_changed": (
        "គ្មាន​អ្វី​ត្រូវ​បាន​រក្សាទុក ឬ​ផ្សព្វផ្សាយ​ទេ។ សូម​កែ​ឯកសារ ហើយ​ផ្ទុក​ម្ដង​ទៀត។",
        "Nothing was kept or published. Correct the file and upload it again.",
    ),
    "catalog_where": ("ទីតាំង​ក្នុង​ឯកសារ", "Where in the file"),
    "catalog_whole_file": ("ឯកសារ​ទាំងមូល", "the whole file"),
    "catalog_too_large": (
        "ឯកសារ​ធំ​ពេក (យ៉ាង​ច្រើន {mb} MB)។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "The file is too large (at most {mb} MB). Nothing was changed.",
    ),
    "catalog_not_multipart": (
        "ទម្រង់​ផ្ទុក​ឯកសារ​មិន​ត្រឹមត្រូវ។ សូម​ជ្រើស​ឯកសារ ហើយ​ព្យាយាម​ម្ដង​ទៀត។",
        "The upload form was not sent as a file upload. Choose the file and try again.",
    ),
    "catalog_no_file": ("សូម​ជ្រើស​ឯកសារ​កាតាឡុក​មួយ។", "Choose a catalog file."),
    "catalog_version_exists": (
        'កំណែ​នេះ​ត្រូវ​បាន​ផ្សព្វផ្សាយ​រួច​ហើយ។ សូម​ដាក់​លេខ​កំណែ​ថ្មី ("version") ក្នុង​ឯកសារ។',
        'This version is already published. Give the file a new "version".',
    ),
    "catalog_done_published": (
        "កាតាឡុក {version} ត្រូវ​បាន​ផ្សព្វផ្សាយ។ ម៉ាស៊ីន​សាលា​ឃុំ​នឹង​ទទួល​វា​នៅ​ពេល​ធ្វើ​សមកាលកម្ម​បន្ទាប់។",
        "Catalog {version} is published. Kiosks install it at their next sync.",
    ),
    "catalog_done_discarded": ("សេចក្ដី​ព្រាង​ត្រូវ​បាន​បោះបង់។", "The draft was discarded."),
    "catalog_preview": ("មើល​កាតាឡុក​ជាមុន", "Catalog preview"),
    "catalog_valid": (
        "ត្រឹមត្រូវ៖ ម៉ាស៊ីន​សាលា​ឃុំ​នឹង​ទទួល​យក​កាតាឡុក​នេះ ({n} សេវា)",
        "Valid: kiosks will accept this catalog ({n} services)",
    ),
    "catalog_draft_of": (
        "សេចក្ដី​ព្រាង​ពី {file} ផ្ទុក​ដោយ {who} នៅ {at}។ វា​មិន​ទាន់​ទៅ​ដល់​ម៉ាស៊ីន​ណា​ទេ។",
        "Draft from {file}, uploaded by {who} at {at}. It has reached no kiosk yet.",
    ),
    "catalog_confirm": (
        "ដើម្បី​ផ្សព្វផ្សាយ សូម​វាយ​លេខ​កំណែ {version}",
        "To publish, type the version {version}",
    ),
    "catalog_confirm_needed": (
        "សូម​វាយ​លេខ​កំណែ {version} ឱ្យ​ត្រឹមត្រូវ​ដើម្បី​បញ្ជាក់។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្សព្វផ្សាយ​ទេ។",
        "Type the version {version} exactly to confirm. Nothing was published.",
    ),
    "catalog_publish": ("ផ្សព្វផ្សាយ​ទៅ​ម៉ាស៊ីន​សាលា​ឃុំ", "Publish to the kiosks"),
    "catalog_discard": ("បោះបង់​សេចក្ដី​ព្រាង", "Discard the draft"),
    "catalog_is_published": (
        "កំណែ​នេះ​ត្រូវ​បាន​ផ្សព្វផ្សាយ​ហើយ (មិន​អាច​កែ​បាន​ទេ)។",
        "This version is published (it cannot be changed).",
    ),
    "catalog_hidden": (
        "សេវា​ដែល​ម៉ាស៊ីន​សាលា​ឃុំ​នឹង​លាក់ (ប្រភេទ​សំណួរ​មិន​ស្គាល់)",
        "Services kiosks will hide (unknown question types)",
    ),
    "catalog_id": ("លេខ​សម្គាល់ @ កំណែ", "Id @ version"),
    "catalog_ministry": ("ក្រសួង​ទទួល​បន្ទុក", "Owning ministry"),
    "catalog_owner_of": (
        "ក្រសួង​ទទួល​បន្ទុក​សេវា​ថ្មី «{name}»",
        "Owning ministry of the new service “{name}”",
    ),
    "catalog_no_owner": (
        "មិន​ទាន់​កំណត់ (មើល​ឃើញ​តែ​គណនី​គ្រប់​ក្រសួង)",
        "Not set (seen only by all-ministries accounts)",
    ),
    "catalog_fee": ("តម្លៃ​សេវា", "Fee"),
    "catalog_riel": ("{amount} រៀល", "{amount} riel"),
    "catalog_example": ("ឧទាហរណ៍ ត្រូវ​បញ្ជាក់​ដោយ​ក្រសួង", "an example, to be confirmed"),
    "catalog_days": ("ថ្ងៃ​ដំណើរការ​ដែល​បាន​សន្យា", "Promised processing days"),
    "catalog_originals": ("ពិនិត្យ​ឯកសារ​ដើម", "Originals checked"),
    "catalog_originals_before_upload": ("មុន​ពេល​ផ្ញើ", "before sending"),
    "catalog_originals_at_pickup": ("ពេល​មក​យក", "at pick-up"),
    "catalog_originals_none": ("មិន​ពិនិត្យ", "not checked"),
    "catalog_description": ("ការ​ពិពណ៌នា", "Description"),
    "catalog_papers": ("ឯកសារ​ដែល​ត្រូវ​យក​មក", "Papers to bring"),
    "catalog_next": ("ជំហាន​បន្ទាប់", "What happens next"),
    "catalog_next_default": ("អត្ថបទ​ទូទៅ​របស់​ម៉ាស៊ីន", "the kiosk's general text"),
    "catalog_questions": ("សំណួរ", "Questions"),
    "catalog_type": ("ប្រភេទ", "Type"),
    "catalog_options": ("ជម្រើស", "Options"),
    "catalog_rules": ("លក្ខខណ្ឌ", "Rules"),
    "catalog_required": ("ត្រូវ​តែ​ឆ្លើយ", "required"),
    "catalog_optional": ("មិន​បាច់​ឆ្លើយ​ក៏​បាន", "optional"),
    "catalog_shown_if": ("បង្ហាញ​តែ​ពេល", "asked only when"),
    "catalog_required_if": ("ត្រូវ​ឆ្លើយ​ពេល", "required when"),
    "catalog_length": ("ប្រវែង {lo}–{hi} តួអក្សរ", "{lo}–{hi} characters"),
    "catalog_pattern": ("លំនាំ", "pattern"),
    "catalog_age": ("អាយុ {lo}–{hi} ឆ្នាំ", "age {lo}–{hi} years"),
    "catalog_range": ("ពី {lo} ដល់ {hi}", "from {lo} to {hi}"),
    "catalog_past_only": ("កាលបរិច្ឆេទ​កន្លង​ទៅ​ប៉ុណ្ណោះ", "past dates only"),
    "catalog_pages": ("{lo}–{hi} ទំព័រ", "{lo}–{hi} pages"),
    "catalog_group": ("ជំហាន", "step"),
    "catalog_searchable": ("ស្វែងរក​បាន​ដោយ​បុគ្គលិក", "searchable by clerks"),
    "ft_text_km": ("អក្សរ​ខ្មែរ", "Khmer text"),
    "ft_text_latin": ("អក្សរ​ឡាតាំង", "Latin text"),
    "ft_number": ("លេខ", "Number"),
    "ft_date": ("កាលបរិច្ឆេទ", "Date"),
    "ft_choice": ("ជ្រើស​មួយ", "One choice"),
    "ft_multi_choice": ("ជ្រើស​ច្រើន", "Several choices"),
    "ft_yes_no": ("បាទ/ចាស ឬ ទេ", "Yes or no"),
    "ft_phone": ("លេខ​ទូរស័ព្ទ", "Phone number"),
    "ft_national_id": ("លេខ​អត្តសញ្ញាណប័ណ្ណ", "National ID number"),
    "ft_address": ("អាសយដ្ឋាន", "Address"),
    "ft_photo": ("រូបថត​មុខ", "Face photo"),
    "ft_document": ("រូបថត​ឯកសារ", "Photos of papers"),
    "ft_consent": ("ការ​យល់​ព្រម", "Consent"),
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

WORDS.update(STAFF_WORDS)  # commune staff, USB bundles, fleet confirmation (i18n_staff.py)
WORDS.update(FLAG_WORDS)  # second-look flags, supervisors' second review (i18n_flags.py)
WORDS.update(PERF_WORDS)  # processing times per group (i18n_performance.py)
WORDS.update(ADMIN_WORDS)  # officers managed by admins, settings (i18n_admin.py)
WORDS.update(FLEET_WORDS)  # fleet columns, setup QR CA, bulk pick-up (i18n_fleet.py)
WORDS.update(APPLICATION_WORDS)  # checks, counter record, supplements, zoom (i18n_application)


class Words(dict[str, str]):
    """One language's words by key, for a page's loops (`w["s_" ~ status]`: an item, where
    `t(…)` is a call through Jinja's context, a few µs for each of a queue page's ~150); a
    missing key shows as itself, as with `t`."""

    def __missing__(self, key: str) -> str:
        return key


BY_LANG = {lang: Words({k: pair[i] for k, pair in WORDS.items()}) for i, lang in enumerate(LANGS)}


def t(key: str, lang: str, **values: object) -> str:
    pair = WORDS.get(key)
    text = key if pair is None else pair[0 if lang == "km" else 1]
    return text.format(**values) if values else text
