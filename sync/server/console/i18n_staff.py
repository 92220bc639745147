"""The words of the commune staff, USB bundle and revoke-confirmation pages, Khmer first, merged
into `i18n.WORDS` (kept apart only so that table stays a readable size)."""

from __future__ import annotations

STAFF_WORDS: dict[str, tuple[str, str]] = {
    # commune staff
    "st_title": ("បុគ្គលិក​ឃុំ/សង្កាត់", "Commune staff"),
    "st_commune": ("ឃុំ/សង្កាត់", "Commune"),
    "st_active_n": ("{n} នាក់​សកម្ម", "{n} active"),
    "st_no_communes": (
        "មិន​ទាន់​មាន​ឃុំ/សង្កាត់​ដែល​មាន​ម៉ាស៊ីន ឬ​បុគ្គលិក​ទេ។ សូម​វាយ​លេខ​កូដ​ឃុំ​ខាងលើ។",
        "No commune has a kiosk or staff yet. Type a commune code above.",
    ),
    "st_roster_of": ("បញ្ជី​បុគ្គលិក​នៃ", "Staff of"),
    "st_feed_note": (
        "ម៉ាស៊ីន​របស់​ឃុំ​នេះ​ទទួល​បញ្ជី​នេះ​នៅ​ពេល​ធ្វើ​សមកាលកម្ម​លើក​ក្រោយ (ឬ​តាម USB)។",
        "The commune's kiosks receive this roster at their next sync (or by USB).",
    ),
    "st_name_km": ("ឈ្មោះ​ជា​ភាសា​ខ្មែរ", "Name in Khmer"),
    "st_name_en": ("ឈ្មោះ​ជា​អក្សរ​ឡាតាំង", "Name in Latin letters"),
    "st_sign_in": ("ការ​ចូល​ប្រើ", "Sign-in"),
    "st_version": ("កំណែ · ផ្លាស់ប្ដូរ", "Version · changed"),
    "st_actions": ("សកម្មភាព", "Actions"),
    "st_r_clerk": ("ស្មៀន", "Clerk"),
    "st_r_supervisor": ("អ្នក​ត្រួតពិនិត្យ", "Supervisor"),
    "st_r_technician": ("អ្នក​បច្ចេកទេស", "Technician"),
    "st_active": ("សកម្ម", "Active"),
    "st_disabled": ("បាន​បិទ", "Disabled"),
    "st_pin_set": ("មាន PIN", "PIN set"),
    "st_waiting_code": ("រង់ចាំ​ចូល​ប្រើ​លើក​ដំបូង", "Waiting for first sign-in"),
    "st_disable": ("បិទ​គណនី", "Disable"),
    "st_reset": ("លេខ​កូដ​ថ្មី", "New code"),
    "st_enable": ("បើក​គណនី​វិញ", "Enable again"),
    "st_nobody": ("គ្មាន​បុគ្គលិក​ក្នុង​ឃុំ​នេះ​ទេ។", "No staff in this commune yet."),
    "st_add": ("បន្ថែម​បុគ្គលិក", "Add a staff member"),
    "st_add_button": ("បន្ថែម ហើយ​បង្កើត​លេខ​កូដ", "Add and make a code"),
    "st_done_disabled": (
        "គណនី​ត្រូវ​បាន​បិទ។ ម៉ាស៊ីន​ទទួល​ការ​ផ្លាស់ប្ដូរ​នៅ​ពេល​សមកាលកម្ម​លើក​ក្រោយ។",
        "The account is disabled. The kiosks get the change at their next sync.",
    ),
    "st_done_enabled": (
        "គណនី​ត្រូវ​បាន​បើក​វិញ។ បើ​គាត់​មិន​មាន PIN សូម​បង្កើត​លេខ​កូដ​ថ្មី។",
        "The account is enabled again. If they have no PIN, make a new code.",
    ),
    "st_bad_commune": (
        "លេខ​កូដ​ឃុំ/សង្កាត់​មាន ៦ ខ្ទង់ (ឧ. 120101)។ គ្មាន​អ្វី​ត្រូវ​បាន​រក្សាទុក​ទេ។",
        "A commune code has 6 digits (e.g. 120101). Nothing was saved.",
    ),
    "st_unknown_commune": (
        "គ្មាន​ឃុំ/សង្កាត់​លេខ {code} ទេ។ គ្មាន​អ្វី​ត្រូវ​បាន​រក្សាទុក​ទេ។",
        "There is no commune {code}. Nothing was saved.",
    ),
    "st_outside": (
        "ឃុំ/សង្កាត់​នេះ​នៅ​ក្រៅ​តំបន់​ដែល​អ្នក​ទទួល​បន្ទុក។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "This commune is outside your jurisdiction. Nothing was changed.",
    ),
    "st_name_empty": ("សូម​បំពេញ «{field}»។", "Please fill in “{field}”."),
    "st_name_long": (
        "«{field}» វែង​ពេក (យ៉ាង​ច្រើន {n} តួ)។",
        "“{field}” is too long (at most {n} characters).",
    ),
    "st_name_control": (
        "«{field}» មាន​តួ​អក្សរ​មិន​អាច​ប្រើ​បាន។",
        "“{field}” has characters that cannot be used.",
    ),
    "st_bad_role": ("សូម​ជ្រើស​តួនាទី៖ ស្មៀន ឬ​អ្នក​ត្រួតពិនិត្យ។", "Choose a role: clerk or supervisor."),
    "st_already_disabled": (
        "គណនី​របស់ {name} ត្រូវ​បាន​បិទ​រួច​ហើយ។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "{name}'s account is already disabled. Nothing was changed.",
    ),
    "st_already_active": (
        "គណនី​របស់ {name} កំពុង​សកម្ម​រួច​ហើយ។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "{name}'s account is already active. Nothing was changed.",
    ),
    "st_reset_disabled": (
        "គណនី​របស់ {name} ត្រូវ​បាន​បិទ។ សូម​បើក​វា​វិញ​ជាមុន​សិន រួច​បង្កើត​លេខ​កូដ​ថ្មី។",
        "{name}'s account is disabled. Enable it first, then make a new code.",
    ),
    "st_already_added": (
        "ទម្រង់​នេះ​ត្រូវ​បាន​ផ្ញើ​រួច​ហើយ៖ {name} មាន​ក្នុង​បញ្ជី​រួច​ហើយ។ លេខ​កូដ​របស់​គាត់​ត្រូវ​បាន​បង្ហាញ​តែ​ម្ដង។ "
        "ដើម្បី​ផ្ដល់​លេខ​កូដ​ថ្មី សូម​ចុច «{reset}»។",
        "This form was already sent: {name} is on the roster. Their code was shown only once; "
        "to give a new one, use “{reset}”.",
    ),
    "st_code_first": ("លេខ​កូដ​ចូល​ប្រើ​លើក​ដំបូង", "First sign-in code"),
    "st_code_reset": ("លេខ​កូដ​ចូល​ប្រើ​ថ្មី", "New sign-in code"),
    "st_code_how": (
        "នៅ​ម៉ាស៊ីន៖ ចុច «បុគ្គលិក» ជ្រើស​ឈ្មោះ​របស់​អ្នក វាយ​លេខ​កូដ​នេះ រួច​ជ្រើស PIN ថ្មី។ "
        "លេខ​កូដ​ប្រើ​បាន​តែ​ម្ដង បន្ទាប់​ពី​ម៉ាស៊ីន​ធ្វើ​សមកាលកម្ម។",
        "At the kiosk: tap “Staff”, choose your name, type this code, then choose a new PIN. "
        "The code works once, after the kiosk has synced.",
    ),
    "st_code_once": (
        "លេខ​កូដ​នេះ​បង្ហាញ​តែ​ម្ដង​ប៉ុណ្ណោះ។ ប្រគល់​វា​ដោយ​ផ្ទាល់ ឬ​អាន​តាម​ទូរស័ព្ទ។",
        "This code is shown only once. Hand it over in person or read it over the phone.",
    ),
    "st_print": ("បោះពុម្ព​ទំព័រ​នេះ៖ Ctrl+P", "Print this page: Ctrl+P"),
    "st_back": ("ត្រឡប់​ទៅ​បញ្ជី", "Back to the list"),
    "st_confirm_disable": ("បិទ​គណនី​របស់ {name}?", "Disable {name}'s account?"),
    "st_confirm_disable_text": (
        "គាត់​នឹង​មិន​អាច​ចូល​ប្រើ​ម៉ាស៊ីន​នៃ​ឃុំ {commune} បាន​ទៀត​ទេ បន្ទាប់​ពី​សមកាលកម្ម។ "
        "លេខ​កូដ​ដែល​មិន​ទាន់​ប្រើ​ក៏​ឈប់​ដំណើរការ​ដែរ។ អ្នក​អាច​បើក​វា​វិញ​នៅ​ពេល​ក្រោយ។",
        "They can no longer sign in at the kiosks of commune {commune} once those sync. Any "
        "unused code stops working. You can enable the account again later.",
    ),
    "st_disable_yes": ("បាទ/ចាស បិទ​គណនី", "Yes, disable"),
    "st_cancel": ("បោះបង់", "Cancel"),
    # USB bundles
    "usb_title": ("កញ្ចប់ USB", "USB bundles"),
    "usb_upload": ("ផ្ទុក​កញ្ចប់​ពី​ម៉ាស៊ីន", "Upload a kiosk's bundle"),
    "usb_intro": (
        "ពាក្យ​ស្នើសុំ​នីមួយៗ​ត្រូវ​បាន​ទទួល​តាម​ច្បាប់​ដូច​បណ្ដាញ។ ការ​ផ្ទុក​ម្ដង​ទៀត​មិន​បង្កើត​ច្បាប់​ស្ទួន​ទេ។",
        "Each application is received by the same rules as over the network. Uploading the "
        "same bundle again creates no duplicates.",
    ),
    "usb_file": ("ឯកសារ​កញ្ចប់ (.salabundle)", "Bundle file (.salabundle)"),
    "usb_cap": (
        "យ៉ាង​ច្រើន {mb} MB។ កញ្ចប់​ធំ​ជាង​នេះ៖ sala-server import នៅ​លើ​ម៉ាស៊ីន​មេ។",
        "Up to {mb} MB. Bigger bundles: sala-server import on the server itself.",
    ),
    "usb_upload_button": ("ផ្ទុក ហើយ​នាំចូល", "Upload and import"),
    "usb_result": ("លទ្ធផល", "Result"),
    "usb_done": ("កញ្ចប់​ត្រូវ​បាន​នាំចូល។", "The bundle was imported."),
    "usb_already": (
        "គ្មាន​អ្វី​ថ្មី​ទេ៖ កញ្ចប់​នេះ​ត្រូវ​បាន​នាំចូល​រួច​ហើយ (ឬ​ពាក្យ​ស្នើសុំ​បាន​មក​តាម​បណ្ដាញ)។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "Nothing new: this bundle was already imported (or its applications came over the "
        "network). Nothing was changed.",
    ),
    "usb_already_on": ("បាន​នាំចូល​នៅ {at} ដោយ {who}។", "Imported on {at} by {who}."),
    "usb_device": ("ម៉ាស៊ីន · ឃុំ", "Kiosk · commune"),
    "usb_created": ("ពាក្យ​ស្នើសុំ​ថ្មី​ដែល​បាន​ទទួល", "New applications received"),
    "usb_repeated": ("មាន​រួច​ហើយ (ខ្លឹមសារ​ដូចគ្នា)", "Already here (same content)"),
    "usb_refused": ("បាន​បដិសេធ", "Refused"),
    "usb_staff": ("ការ​ផ្លាស់ប្ដូរ​បុគ្គលិក", "Staff changes"),
    "usb_audit": ("កំណត់​ត្រា​សវនកម្ម​ដែល​បាន​រក្សាទុក", "Audit entries stored"),
    "usb_r_conflict": (
        "ខ្លឹមសារ​ផ្សេង​ក្រោម​លេខ​ដែល​បាន​ទទួល​រួច (409)៖ ម៉ាស៊ីន​រក្សា​វា​ទុក​ឱ្យ​អ្នក​ត្រួតពិនិត្យ",
        "Other content under an id already received (409): the kiosk keeps it for its supervisor",
    ),
    "usb_r_other": ("មិន​ត្រូវ​បាន​ទទួល", "Not received"),
    "usb_download": ("ទាញយក​កញ្ចប់​ត្រឡប់ (.salareturn)", "Download the return bundle (.salareturn)"),
    "usb_return_note": (
        "ចម្លង​វា​ទៅ USB រួច​នាំចូល​នៅ​ម៉ាស៊ីន (អេក្រង់ USB ឬ sala import)។",
        "Copy it to the stick and import it at the kiosk (the USB screen or sala import).",
    ),
    "usb_nothing_changed": ("គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។", "Nothing was changed."),
    "usb_e_not_a_bundle": (
        "ឯកសារ​នេះ​មិន​មែន​ជា​កញ្ចប់ USB របស់​សាលា​ទេ។",
        "This file is not a Sala USB bundle.",
    ),
    "usb_e_truncated": (
        "កញ្ចប់​ខ្វះ​ផ្នែក (ការ​ចម្លង​មិន​ចប់)។ សូម​នាំចេញ​ម្ដង​ទៀត​ពី​ម៉ាស៊ីន។",
        "The bundle is cut short (the copy did not finish). Export it again at the kiosk.",
    ),
    "usb_e_tampered": (
        "កញ្ចប់​ត្រូវ​បាន​កែប្រែ ឬ​ខូច។ សូម​នាំចេញ​ម្ដង​ទៀត​ពី​ម៉ាស៊ីន។",
        "The bundle was altered or is damaged. Export it again at the kiosk.",
    ),
    "usb_e_version": (
        "កញ្ចប់​នេះ​ប្រើ​ទម្រង់​ផ្សេង។ សូម​ធ្វើ​បច្ចុប្បន្នភាព​កម្មវិធី​ដែល​ចាស់​ជាង។",
        "This bundle uses another format version. Update the older side.",
    ),
    "usb_e_wrong_kind": (
        "នេះ​ជា​កញ្ចប់​ត្រឡប់ (.salareturn)៖ វា​សម្រាប់​ម៉ាស៊ីន មិន​មែន​សម្រាប់​ទីនេះ​ទេ។",
        "This is a return bundle (.salareturn): it goes to the kiosk, not here.",
    ),
    "usb_e_wrong_key": (
        "កញ្ចប់​នេះ​ត្រូវ​បាន​អ៊ិនគ្រីប​សម្រាប់​ម៉ាស៊ីន​មេ​ផ្សេង (កូនសោ USB ខុស)។",
        "This bundle is encrypted for another server (wrong USB key).",
    ),
    "usb_e_bad_key": ("ឯកសារ​កូនសោ USB មិន​ត្រឹមត្រូវ។", "The USB key file is not valid."),
    "usb_e_bad_signature": (
        "ហត្ថលេខា​របស់​កញ្ចប់​មិន​ត្រូវ​នឹង​ម៉ាស៊ីន​ដែល​វា​អះអាង​ទេ។",
        "The bundle's signature does not match the kiosk it names.",
    ),
    "usb_e_unknown_device": (
        "ម៉ាស៊ីន​ដែល​ផ្ញើ​កញ្ចប់​នេះ​មិន​ត្រូវ​បាន​ចុះ​ឈ្មោះ​នៅ​ទីនេះ​ទេ។",
        "The kiosk that made this bundle is not enrolled here.",
    ),
    "usb_e_device_revoked": (
        "ម៉ាស៊ីន​ដែល​ផ្ញើ​កញ្ចប់​នេះ​ត្រូវ​បាន​ដក​សិទ្ធិ។",
        "The kiosk that made this bundle was revoked.",
    ),
    "usb_e_wrong_commune": (
        "កញ្ចប់​ប្រាប់​ឃុំ​មួយ ប៉ុន្តែ​ម៉ាស៊ីន​ចុះ​ឈ្មោះ​សម្រាប់​ឃុំ​មួយ​ទៀត។",
        "The bundle names one commune; the kiosk is enrolled for another.",
    ),
    "usb_e_too_large": (
        "ឯកសារ​ធំ​ជាង {mb} MB។ សូម​ប្រើ sala-server import នៅ​លើ​ម៉ាស៊ីន​មេ។",
        "The file is over {mb} MB. Use sala-server import on the server itself.",
    ),
    "usb_e_no_file": ("សូម​ជ្រើស​ឯកសារ .salabundle។", "Choose a .salabundle file."),
    "usb_e_io": (
        "ម៉ាស៊ីន​មេ​មិន​អាច​អាន ឬ​សរសេរ​ឯកសារ​បាន​ទេ។ សូម​ផ្ទុក​ម្ដង​ទៀត៖ អ្វី​ដែល​បាន​ទទួល​រួច​នឹង​មិន​ត្រូវ​ទទួល​ពីរ​ដង​ទេ។",
        "The server could not read or write the file. Upload it again: what was already "
        "received is not received twice.",
    ),
    # fleet: revoking a kiosk, after a confirmation page; error pages
    "fleet_confirm_revoke": ("ដក​សិទ្ធិ​ម៉ាស៊ីន​នេះ?", "Revoke this kiosk?"),
    "fleet_confirm_revoke_text": (
        "ម៉ាស៊ីន {label} (ឃុំ {commune}, លេខ {number}) នឹង​មិន​អាច​ផ្ញើ ឬ​ទទួល​អ្វី​ទៀត​ទេ។ "
        "ការ​ដក​សិទ្ធិ​មិន​អាច​ត្រឡប់​វិញ​បាន​ទេ៖ វា​ត្រូវ​ចុះ​ឈ្មោះ​ម្ដង​ទៀត​ជាមួយ​លេខ​កូដ​ថ្មី។",
        "Kiosk {label} (commune {commune}, number {number}) will not be able to send or "
        "receive anything. Revoking cannot be undone: it must enrol again with a new code.",
    ),
    "fleet_revoke_yes": ("បាទ/ចាស ដក​សិទ្ធិ", "Yes, revoke"),
    "error_title": ("មិន​អាច​បន្ត​បាន", "This cannot be done"),
    "bulk_review_done": (
        "បាន​ចាប់ផ្ដើម​ពិនិត្យ {n}។ មិន​អាច {skipped} (ក្រៅ​សិទ្ធិ មន្ត្រី​ម្នាក់​ទៀត​កំពុង​កាន់ ឬ​ស្ថានភាព​មិន​អនុញ្ញាត)។",
        "Review started on {n}. Not started {skipped} (outside your rights, held by another "
        "officer, or a status that does not allow it).",
    ),
}
