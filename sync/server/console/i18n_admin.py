"""The words of the admins' officer and settings pages, enrolment of a reset authenticator and
an officer's own password, Khmer first, merged into `i18n.WORDS`."""

from __future__ import annotations

ADMIN_WORDS: dict[str, tuple[str, str]] = {
    # officers: list, actions, confirmations
    "oa_state": ("ស្ថានភាព", "State"),
    "oa_totp_on": ("មាន​កូដ ៦ ខ្ទង់", "Authenticator on"),
    "oa_totp_pending": ("រង់ចាំ​ចុះឈ្មោះ​កម្មវិធី​ផ្ទៀងផ្ទាត់​ថ្មី", "New authenticator to enrol"),
    "oa_totp_off": ("គ្មាន​កូដ ៦ ខ្ទង់", "No authenticator"),
    "oa_sessions_n": ("វគ្គ​កំពុង​ប្រើ {n}", "{n} live session(s)"),
    "oa_reset_password": ("ពាក្យ​សម្ងាត់​ថ្មី", "New password"),
    "oa_reset_totp": ("កម្មវិធី​ផ្ទៀងផ្ទាត់​ថ្មី", "New authenticator"),
    "oa_end_sessions": ("បញ្ចប់​វគ្គ", "End sessions"),
    "oa_my_password": ("ប្ដូរ​ពាក្យ​សម្ងាត់​របស់​ខ្ញុំ", "Change my password"),
    "oa_done_disable": (
        "គណនី {name} ត្រូវ​បាន​បិទ ហើយ​វគ្គ​ទាំងអស់​របស់​វា​បាន​បញ្ចប់។",
        "{name} is disabled and all its sessions have ended.",
    ),
    "oa_done_enable": ("គណនី {name} ត្រូវ​បាន​បើក​វិញ។", "{name} is enabled again."),
    "oa_new_totp": ("កម្មវិធី​ផ្ទៀងផ្ទាត់​ថ្មី", "New authenticator"),
    "oa_new_totp_how": (
        "កម្មវិធី​ផ្ទៀងផ្ទាត់​ចាស់​លែង​ដំណើរការ​ហើយ។ សូម​ឱ្យ​ម្ចាស់​គណនី​ស្កេន QR នេះ​នៅ​មុខ​អ្នក "
        "ដោយ​ផ្ទាល់ ហើយ​ចូល​ប្រើ​ដោយ​ពាក្យ​សម្ងាត់ និង​លេខ​កូដ​ថ្មី។",
        "The old authenticator no longer works. Have the account's owner scan this QR in front "
        "of you, in person, then sign in with their password and a code of the new one.",
    ),
    "oa_new_totp_once": (
        "QR នេះ​បង្ហាញ​តែ​ម្ដង​ប៉ុណ្ណោះ។ បើ​បាត់ សូម​បង្កើត​កម្មវិធី​ផ្ទៀងផ្ទាត់​ថ្មី​ម្ដង​ទៀត។",
        "This QR is shown only once. If it is lost, make a new authenticator again.",
    ),
    "oa_done_end_sessions": (
        "វគ្គ​ទាំងអស់​របស់ {name} បាន​បញ្ចប់។",
        "All of {name}'s sessions have ended.",
    ),
    "oa_confirm_disable": ("បិទ​គណនី {name}?", "Disable {name}?"),
    "oa_confirm_disable_text": (
        "គាត់​នឹង​មិន​អាច​ចូល​ប្រើ​បាន​ទៀត​ទេ ហើយ​វគ្គ​កំពុង​ប្រើ {n} នឹង​បញ្ចប់​ភ្លាម។ អ្នក​អាច​បើក​គណនី​វិញ​នៅ​ពេល​ក្រោយ។",
        "They will not be able to sign in, and their {n} live session(s) end at once. "
        "You can enable the account again later.",
    ),
    "oa_yes_disable": ("បាទ/ចាស បិទ", "Yes, disable"),
    "oa_confirm_reset_password": ("ពាក្យ​សម្ងាត់​ថ្មី​សម្រាប់ {name}?", "A new password for {name}?"),
    "oa_confirm_reset_password_text": (
        "ពាក្យ​សម្ងាត់​ចាស់​លែង​ដំណើរការ ហើយ​វគ្គ​កំពុង​ប្រើ {n} នឹង​បញ្ចប់។ ពាក្យ​សម្ងាត់​ថ្មី​"
        "បង្ហាញ​តែ​ម្ដង​ប៉ុណ្ណោះ៖ សូម​ប្រគល់​ដោយ​ផ្ទាល់ ហើយ​ឱ្យ​គាត់​ប្ដូរ​វា​ភ្លាម។",
        "The old password stops working and their {n} live session(s) end. The new password "
        "is shown once: give it in person, and have them change it at once.",
    ),
    "oa_yes_reset_password": ("បាទ/ចាស បង្កើត​ពាក្យ​សម្ងាត់​ថ្មី", "Yes, make a new password"),
    "oa_confirm_reset_totp": (
        "កម្មវិធី​ផ្ទៀងផ្ទាត់​ថ្មី​សម្រាប់ {name}?",
        "A new authenticator for {name}?",
    ),
    "oa_confirm_reset_totp_text": (
        "កូដ​ពី​កម្មវិធី​ចាស់ (ទូរស័ព្ទ​បាត់ ឬ​ប្ដូរ) លែង​ដំណើរការ​ភ្លាម ហើយ​វគ្គ {n} នឹង​បញ្ចប់។ "
        "QR ថ្មី​បង្ហាញ​ដល់​អ្នក​តែ​ម្ដង៖ សូម​ប្រគល់​វា​ដោយ​ផ្ទាល់។",
        "Codes from the old app (a lost or changed phone) stop working at once and their "
        "{n} live session(s) end. The new QR is shown to you once: hand it over in person.",
    ),
    "oa_yes_reset_totp": ("បាទ/ចាស ប្ដូរ​កម្មវិធី​ផ្ទៀងផ្ទាត់", "Yes, reset the authenticator"),
    "oa_new_password": ("ពាក្យ​សម្ងាត់​ថ្មី", "New password"),
    "oa_created_must_change": (
        "ប្រគល់​ពាក្យ​សម្ងាត់​ដោយ​ផ្ទាល់។ នៅ​ពេល​ចូល​លើក​ដំបូង គាត់​ត្រូវ​ជ្រើស​ពាក្យ​សម្ងាត់​ផ្ទាល់ខ្លួន​មុន​នឹង​ធ្វើ​អ្វី​ផ្សេង​ទៀត។",
        "Give the password in person. At the first sign-in, they choose their own before "
        "anything else.",
    ),
    "oa_new_password_how": (
        "ប្រគល់​ពាក្យ​សម្ងាត់​នេះ​ដោយ​ផ្ទាល់។ បន្ទាប់​ពី​ចូល គាត់​ត្រូវ​ប្ដូរ​វា​នៅ «ប្ដូរ​ពាក្យ​សម្ងាត់​របស់​ខ្ញុំ»។",
        "Give this password in person. After signing in, they change it under "
        "“Change my password”.",
    ),
    # refusals
    "oa_not_yours": (
        "គណនី​នេះ​មិន​មាន ឬ​ជា​របស់​ក្រសួង​ផ្សេង។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "This account does not exist or belongs to another ministry. Nothing was changed.",
    ),
    "oa_other_ministry": (
        "អ្នក​អាច​បង្កើត​គណនី​សម្រាប់​ក្រសួង​របស់​អ្នក​ប៉ុណ្ណោះ។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "You can only create accounts of your own ministry. Nothing was changed.",
    ),
    "oa_self": (
        "អ្នក​មិន​អាច​ធ្វើ​ការ​នេះ​លើ​គណនី​ខ្លួនឯង​បាន​ទេ។ អ្នក​គ្រប់គ្រង​ម្នាក់​ទៀត​អាច​ធ្វើ​បាន។",
        "You cannot do this to your own account. Another administrator can.",
    ),
    "oa_last_admin": (
        "{name} ជា​អ្នក​គ្រប់គ្រង​ចុងក្រោយ​ដែល​នៅ​សកម្ម។ សូម​បន្ថែម ឬ​បើក​អ្នក​គ្រប់គ្រង​ម្នាក់​ទៀត​ជាមុន​សិន។ "
        "គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "{name} is the last enabled administrator. Add or enable another administrator "
        "first. Nothing was changed.",
    ),
    "oa_already_enabled": ("{name} បាន​បើក​រួច​ហើយ។", "{name} is already enabled."),
    "oa_already_disabled": ("{name} បាន​បិទ​រួច​ហើយ។", "{name} is already disabled."),
    "oa_bad_password": (
        "ពាក្យ​សម្ងាត់​ត្រូវ​មាន​ពី {n} ដល់ ២៥៦ តួអក្សរ។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "A password needs {n} to 256 characters. Nothing was changed.",
    ),
    "oa_wrong_current": (
        "ពាក្យ​សម្ងាត់​បច្ចុប្បន្ន​មិន​ត្រឹមត្រូវ។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "The current password is not right. Nothing was changed.",
    ),
    "oa_passwords_differ": (
        "ពាក្យ​សម្ងាត់​ថ្មី​ទាំង​ពីរ​មិន​ដូច​គ្នា។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "The two new passwords differ. Nothing was changed.",
    ),
    "oa_wider_jurisdiction": (
        "អ្នក​អាច​ផ្ដល់​ដែន​សមត្ថកិច្ច​បាន​តែ​ក្នុង​ដែន​របស់​អ្នក ({where}) ប៉ុណ្ណោះ។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "You can only give a jurisdiction within your own ({where}). Nothing was changed.",
    ),
    "oa_admin_needs_all": (
        "មាន​តែ​អ្នក​គ្រប់គ្រង​គ្រប់​ក្រសួង​ទេ ដែល​គ្រប់គ្រង​គណនី​អ្នក​គ្រប់គ្រង។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "Only an all-ministries administrator manages administrators' accounts. Nothing was "
        "changed.",
    ),
    "oa_peer_admin": (
        "គ្រប់គ្រង​ដោយ​អ្នក​គ្រប់គ្រង​គ្រប់​ក្រសួង",
        "Managed by an all-ministries administrator",
    ),
    "oa_must_change": (
        "សូម​ប្ដូរ​ពាក្យ​សម្ងាត់​ដែល​អ្នក​គ្រប់គ្រង​បាន​ផ្ដល់​ជាមុន​សិន។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "First change the password an administrator gave you. Nothing was changed.",
    ),
    "oa_must_change_intro": (
        "អ្នក​គ្រប់គ្រង​បាន​ផ្ដល់​ពាក្យ​សម្ងាត់​នេះ​ឱ្យ​អ្នក។ សូម​ជ្រើស​ពាក្យ​សម្ងាត់​ផ្ទាល់ខ្លួន មុន​នឹង​ធ្វើ​អ្វី​ផ្សេង​ទៀត។",
        "An administrator gave you this password. Choose your own before anything else.",
    ),
    "oa_same_password": (
        "ពាក្យ​សម្ងាត់​ថ្មី​ត្រូវ​ខុស​ពី​ពាក្យ​សម្ងាត់​បច្ចុប្បន្ន។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "The new password must differ from the current one. Nothing was changed.",
    ),
    # a new account's fields (accounts.AccountError)
    "acc_bad_username": (
        "ឈ្មោះ​អ្នក​ប្រើ៖ ពី ៣ ដល់ ៦៤ អក្សរ​ឡាតាំង លេខ ចំណុច សញ្ញា​ដក ឬ​សញ្ញា​គូស​ក្រោម។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "Username: 3 to 64 letters, digits, dots, dashes or underscores. Nothing was changed.",
    ),
    "acc_bad_display_name": (
        "ឈ្មោះ​បង្ហាញ៖ ពី ១ ដល់ ២០០ តួអក្សរ។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "Display name: 1 to 200 characters. Nothing was changed.",
    ),
    "acc_bad_role": (
        "សូម​ជ្រើស​តួនាទី​មួយ​ក្នុង​បញ្ជី។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "Choose a role from the list. Nothing was changed.",
    ),
    "acc_bad_ministry": (
        "សូម​ជ្រើស​ក្រសួង​មួយ​ក្នុង​បញ្ជី។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "Choose a ministry from the list. Nothing was changed.",
    ),
    "acc_bad_password": (
        "ពាក្យ​សម្ងាត់​ត្រូវ​មាន​ពី {n} ដល់ ២៥៦ តួអក្សរ។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "A password needs {n} to 256 characters. Nothing was changed.",
    ),
    "acc_bad_jurisdiction": (
        "«{value}»៖ ដែន​សមត្ថកិច្ច​គឺ​លេខ​កូដ​ខេត្ត (២ ខ្ទង់) ស្រុក (៤) ឬ​ឃុំ (៦) ដោយ​ក្បៀស​បំបែក ឬ all។ "
        "គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "“{value}”: a jurisdiction is province (2 digits), district (4) or commune (6) codes, "
        "separated by commas, or all. Nothing was changed.",
    ),
    "acc_needs_totp": (
        "អ្នក​ត្រួតពិនិត្យ និង​អ្នក​គ្រប់គ្រង​ត្រូវ​មាន​កម្មវិធី​ផ្ទៀងផ្ទាត់ (កូដ ៦ ខ្ទង់)។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "Supervisors and administrators need an authenticator (6-digit codes). Nothing was "
        "changed.",
    ),
    "acc_taken": (
        "ឈ្មោះ​អ្នក​ប្រើ «{name}» មាន​រួច​ហើយ។ សូម​ជ្រើស​ឈ្មោះ​ផ្សេង។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "The username “{name}” is taken: choose another. Nothing was changed.",
    ),
    # an officer's own password
    "oa_current_password": ("ពាក្យ​សម្ងាត់​បច្ចុប្បន្ន", "Current password"),
    "oa_new_password_own": ("ពាក្យ​សម្ងាត់​ថ្មី (យ៉ាង​តិច ១២ តួ)", "New password (12 or more)"),
    "oa_again": ("ពាក្យ​សម្ងាត់​ថ្មី​ម្ដង​ទៀត", "New password again"),
    "oa_change_password": ("ប្ដូរ​ពាក្យ​សម្ងាត់", "Change the password"),
    "oa_password_changed": (
        "ពាក្យ​សម្ងាត់​ត្រូវ​បាន​ប្ដូរ។ វគ្គ​ផ្សេង​ទៀត​របស់​អ្នក​បាន​បញ្ចប់។",
        "Your password is changed. Your other sessions have ended.",
    ),
    # enrolling a reset authenticator
    "oa_enrol_title": ("ចុះឈ្មោះ​កម្មវិធី​ផ្ទៀងផ្ទាត់​ថ្មី", "Enrol a new authenticator"),
    "oa_enrol_intro": (
        "អ្នក​គ្រប់គ្រង​ដែល​បាន​ប្ដូរ​កម្មវិធី​ផ្ទៀងផ្ទាត់​របស់​អ្នក ប្រគល់ QR ថ្មី​ឱ្យ​អ្នក​ដោយ​ផ្ទាល់។ "
        "ស្កេន​វា រួច​វាយ​ឈ្មោះ​អ្នក​ប្រើ ពាក្យ​សម្ងាត់ និង​លេខ​កូដ ៦ ខ្ទង់​ដែល​វា​បង្ហាញ។",
        "The administrator who reset your authenticator hands you the new QR in person. Scan "
        "it, then type your username, password and the 6-digit code it shows.",
    ),
    "oa_enrol_finish": ("ចុះឈ្មោះ ហើយ​ចូល​ប្រើ", "Enrol and sign in"),
    "oa_no_enrol": (
        "គណនី​នេះ​មិន​មាន​កម្មវិធី​ផ្ទៀងផ្ទាត់​ថ្មី​ត្រូវ​ចុះឈ្មោះ​ទេ។ សូម​ចូល​ប្រើ​ធម្មតា។",
        "This account has no new authenticator to enrol. Sign in as usual.",
    ),
    "oa_bad_code": (
        "លេខ​កូដ​មិន​ត្រូវ​នឹង QR នេះ​ទេ។ សូម​ពិនិត្យ​ម៉ោង​ទូរស័ព្ទ ហើយ​ព្យាយាម​ម្ដង​ទៀត។",
        "The code does not match this QR. Check the phone's clock and try again.",
    ),
    # settings
    "set_title": ("ការ​កំណត់", "Settings"),
    "set_intro": (
        "ការ​កំណត់​ទាំងនេះ​ប្រើ​សម្រាប់​ម៉ាស៊ីន​មេ​ទាំងមូល។ ការ​ផ្លាស់ប្ដូរ​នីមួយៗ​ត្រូវ​បាន​កត់ត្រា។",
        "These settings are for the whole server. Every change is recorded in the audit.",
    ),
    "set_all_only": (
        "ការ​កំណត់​ទាំងនេះ​ប្រើ​សម្រាប់​ម៉ាស៊ីន​មេ​ទាំងមូល៖ មាន​តែ​អ្នក​គ្រប់គ្រង​គ្រប់​ក្រសួង​ទេ​ដែល​ប្ដូរ​វា​បាន។ អ្នក​អាច​មើល​វា​នៅ​ទីនេះ។",
        "These settings are for the whole server: only an all-ministries administrator changes "
        "them. You can read them here.",
    ),
    "set_all_only_refused": (
        "មាន​តែ​អ្នក​គ្រប់គ្រង​គ្រប់​ក្រសួង​ទេ​ដែល​ប្ដូរ​ការ​កំណត់​សម្រាប់​ម៉ាស៊ីន​មេ​ទាំងមូល​បាន។ គ្មាន​អ្វី​ត្រូវ​បាន​រក្សាទុក​ទេ។",
        "Only an all-ministries administrator changes server-wide settings. Nothing was saved.",
    ),
    "catalog_all_only": (
        "កាតាឡុក​ប្រើ​សម្រាប់​ម៉ាស៊ីន​សាលា​ឃុំ​ទូទាំង​ប្រទេស៖ មាន​តែ​អ្នក​គ្រប់គ្រង​គ្រប់​ក្រសួង​ទេ​ដែល​ផ្ទុក​ឡើង "
        "ផ្សព្វផ្សាយ ឬ​បោះបង់​វា​បាន។ អ្នក​អាច​មើល​វា​នៅ​ទីនេះ។",
        "The catalog is the whole country's kiosks': only an all-ministries administrator "
        "uploads, publishes or discards one. You can read them here.",
    ),
    "catalog_all_only_refused": (
        "មាន​តែ​អ្នក​គ្រប់គ្រង​គ្រប់​ក្រសួង​ទេ​ដែល​ផ្ទុក​ឡើង ផ្សព្វផ្សាយ ឬ​បោះបង់​កាតាឡុក​បាន។ គ្មាន​អ្វី​ត្រូវ​បាន​ផ្លាស់ប្ដូរ​ទេ។",
        "Only an all-ministries administrator uploads, publishes or discards a catalog. "
        "Nothing was changed.",
    ),
    "set_saved": ("បាន​រក្សាទុក៖ {what}។", "Saved: {what}."),
    "set_save": ("រក្សាទុក", "Save"),
    "set_audit_share": ("គំរូ​ត្រួតពិនិត្យ​ដោយ​ចៃដន្យ", "Random audit sample"),
    "set_audit_share_text": (
        "ភាគរយ​នៃ​ពាក្យ​ស្នើសុំ​ដែល​បាន​សម្រេច​ដែល​ទៅ​ពិនិត្យ​លើក​ទី​ពីរ។ ឃុំ​ខ្លះ​អាច​មាន​ភាគរយ​ផ្ទាល់ខ្លួន "
        "(មួយ​បន្ទាត់៖ លេខ​កូដ​ឃុំ ៦ ខ្ទង់ និង​ភាគរយ)។ អនុវត្ត​ចំពោះ​ការ​សម្រេច​ចាប់​ពី​ពេល​នេះ។",
        "The share of decided applications that goes to a supervisor's second review. Some "
        "communes may have their own (one per line: the 6-digit commune code and a percent). "
        "Applies to decisions from now on.",
    ),
    "set_share_pct": ("ភាគរយ (០ ដល់ ១០០)", "Percent (0 to 100)"),
    "set_communes": ("ឃុំ​ដែល​មាន​ភាគរយ​ផ្ទាល់ខ្លួន", "Communes with their own percent"),
    "set_hall_hours": ("ម៉ោង​បើក​សាលា​ឃុំ", "Hall opening hours"),
    "set_hall_hours_text": (
        "ពាក្យ​ស្នើសុំ​ដែល​ដាក់​ក្រៅ​ម៉ោង​ទាំងនេះ (ម៉ោង​កម្ពុជា) ត្រូវ​បាន​សម្គាល់​ឱ្យ​ពិនិត្យ​លើក​ទី​ពីរ។ "
        "ម៉ោង​តែ​មួយ​សម្រាប់​គ្រប់​សាលា ហើយ​អនុវត្ត​ចំពោះ​ពាក្យ​ស្នើសុំ​ដែល​ទទួល​ចាប់​ពី​ពេល​នេះ។",
        "Applications submitted outside these hours (Cambodia time) are flagged for a second "
        "look. One setting for every hall; it applies to applications received from now on.",
    ),
    "set_days": ("ថ្ងៃ​បើក", "Open days"),
    "set_day_0": ("ច័ន្ទ", "Monday"),
    "set_day_1": ("អង្គារ", "Tuesday"),
    "set_day_2": ("ពុធ", "Wednesday"),
    "set_day_3": ("ព្រហស្បតិ៍", "Thursday"),
    "set_day_4": ("សុក្រ", "Friday"),
    "set_day_5": ("សៅរ៍", "Saturday"),
    "set_day_6": ("អាទិត្យ", "Sunday"),
    "set_open": ("បើក​ពី", "Opens"),
    "set_close": ("បិទ​នៅ", "Closes"),
    "set_override_share": ("ការ​បដិសេធ​ការ​ពិនិត្យ​រូបថត​ច្រើន​ពី​ម៉ាស៊ីន​មួយ", "Many photo overrides from one kiosk"),
    "set_override_share_text": (
        "ម៉ាស៊ីន​មួយ​ត្រូវ​បាន​សម្គាល់ នៅ​ពេល​ស្មៀន​ទទួល​យក​រូបថត​ដែល​មិន​ឆ្លង​ការ​ពិនិត្យ​លើស​ភាគរយ​នេះ "
        "នៃ​ពាក្យ​ស្នើសុំ​របស់​វា ក្នុង​ថ្ងៃ​ចុងក្រោយ​ទាំងនេះ ហើយ​មាន​ពាក្យ​ស្នើសុំ​យ៉ាង​តិច​ចំនួន​នេះ។",
        "A kiosk is flagged when its clerks accepted a photo that failed a check on more than "
        "this percent of its applications over these last days, once it has at least this "
        "many applications.",
    ),
    "set_o_days": ("ថ្ងៃ​ចុងក្រោយ (១ ដល់ ៣៦៥)", "Last days (1 to 365)"),
    "set_o_min": ("ចំនួន​ពាក្យ​ស្នើសុំ​យ៉ាង​តិច", "At least this many applications"),
    "set_bad_percent": (
        "«{value}» មិន​មែន​ជា​ភាគរយ​ពី ០ ដល់ ១០០ ទេ។ គ្មាន​អ្វី​ត្រូវ​បាន​រក្សាទុក​ទេ។",
        "“{value}” is not a percent from 0 to 100. Nothing was saved.",
    ),
    "set_bad_commune_line": (
        "បន្ទាត់​ទី {line}៖ សូម​សរសេរ​លេខ​កូដ​ឃុំ ៦ ខ្ទង់ និង​ភាគរយ ឧ. 120101 10។ គ្មាន​អ្វី​ត្រូវ​បាន​រក្សាទុក​ទេ។",
        "Line {line}: write a 6-digit commune code and a percent, e.g. 120101 10. Nothing "
        "was saved.",
    ),
    "set_too_many_communes": (
        "ច្រើន​ពេក៖ យ៉ាង​ច្រើន {n} ឃុំ។ គ្មាន​អ្វី​ត្រូវ​បាន​រក្សាទុក​ទេ។",
        "Too many: at most {n} communes. Nothing was saved.",
    ),
    "set_bad_days": (
        "សូម​ជ្រើស​យ៉ាង​តិច​មួយ​ថ្ងៃ។ គ្មាន​អ្វី​ត្រូវ​បាន​រក្សាទុក​ទេ។",
        "Choose at least one day. Nothing was saved.",
    ),
    "set_bad_time": (
        "ម៉ោង​ត្រូវ​ជា HH:MM (ឧ. 07:30)។ គ្មាន​អ្វី​ត្រូវ​បាន​រក្សាទុក​ទេ។",
        "Times are HH:MM (e.g. 07:30). Nothing was saved.",
    ),
    "set_open_after_close": (
        "ម៉ោង​បើក​ត្រូវ​មុន​ម៉ោង​បិទ។ គ្មាន​អ្វី​ត្រូវ​បាន​រក្សាទុក​ទេ។",
        "The opening time must be before the closing time. Nothing was saved.",
    ),
    "set_bad_whole": (
        "«{value}»៖ សូម​វាយ​ចំនួន​គត់។ គ្មាន​អ្វី​ត្រូវ​បាន​រក្សាទុក​ទេ។",
        "“{value}”: type whole numbers. Nothing was saved.",
    ),
    "set_bad_days_back": (
        "ចំនួន​ថ្ងៃ​ត្រូវ​ពី ១ ដល់ {n}។ គ្មាន​អ្វី​ត្រូវ​បាន​រក្សាទុក​ទេ។",
        "The days must be 1 to {n}. Nothing was saved.",
    ),
    "set_bad_least": (
        "ចំនួន​ពាក្យ​ស្នើសុំ​យ៉ាង​តិច​ត្រូវ​ចាប់​ពី ១។ គ្មាន​អ្វី​ត្រូវ​បាន​រក្សាទុក​ទេ។",
        "At least 1 application. Nothing was saved.",
    ),
    "set_bad_json": (
        "តម្លៃ​មិន​មែន​ជា JSON នៃ​ទម្រង់​ត្រឹមត្រូវ។ គ្មាន​អ្វី​ត្រូវ​បាន​រក្សាទុក​ទេ។",
        "The value is not JSON of the right shape. Nothing was saved.",
    ),
    "set_unknown": ("មិន​ស្គាល់​ការ​កំណត់ {name}។", "Unknown setting {name}."),
}
