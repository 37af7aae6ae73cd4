//! Phrase bank, part 1: the product areas tickets are about, each with problem reports,
//! how-to questions and subject lines. `{area}` is replaced by the area's noun and
//! `{Area}` by the capitalised noun.
//!
//! The first ten areas are the features of `feature_usage`, in the same order; the ticket
//! `category` column holds the area key.

/// One product area.
#[derive(Debug)]
pub(crate) struct Area {
    /// Ticket category value.
    pub key: &'static str,
    /// Noun used in sentences.
    pub noun: &'static str,
    /// Problem descriptions (one sentence each).
    pub problems: &'static [&'static str],
    /// Subject lines of problem reports.
    pub problem_subjects: &'static [&'static str],
    /// How-to questions and requests.
    pub questions: &'static [&'static str],
    /// Subject lines of questions.
    pub question_subjects: &'static [&'static str],
}

/// Index of the billing area.
pub(crate) const BILLING: usize = 10;
/// Index of the onboarding area.
pub(crate) const ONBOARDING: usize = 11;
/// Index of the performance area.
pub(crate) const PERFORMANCE: usize = 12;
/// Index of the data-import area.
pub(crate) const DATA_IMPORT: usize = 13;
/// Index of the user-management area.
pub(crate) const USER_MANAGEMENT: usize = 14;

/// Areas a trouble episode of each escalation category produces tickets about.
pub(crate) const CATEGORY_AREAS: [&[usize]; 6] = [
    &[ONBOARDING, DATA_IMPORT, 7, 3],
    &[0, 1, 4, 5, 6, 8],
    &[BILLING],
    &[USER_MANAGEMENT, ONBOARDING],
    &[2, 3],
    &[PERFORMANCE, 0, 9],
];

/// All product areas.
pub(crate) const AREAS: [Area; 15] = [
    Area {
        key: "dashboards",
        noun: "dashboard",
        problems: &[
            "The main {area} has been showing a blank page since this morning.",
            "Several widgets on our {area} display stale numbers from last week.",
            "Charts on the executive {area} fail to render and only show a spinner.",
            "Filters on the {area} reset every time someone refreshes the page.",
            "Our shared {area} lost half of its tiles after the last release.",
            "The {area} shows different totals than the underlying report.",
            "When we open the {area} in Safari we get an error instead of the charts.",
        ],
        problem_subjects: &[
            "Dashboard not loading",
            "Blank dashboard after release",
            "Dashboard widgets showing stale data",
            "Dashboard filters keep resetting",
            "Wrong totals on dashboard",
        ],
        questions: &[
            "Is there a way to share a {area} with people outside our workspace?",
            "Can we schedule a {area} snapshot to go out every Monday?",
            "How do we set a default date range on the {area}?",
            "Could you point me to the docs for embedding a {area} in our intranet?",
        ],
        question_subjects: &[
            "Question about sharing dashboards",
            "Scheduling dashboard snapshots",
            "Dashboard date range defaults",
        ],
    },
    Area {
        key: "reports",
        noun: "report",
        problems: &[
            "The monthly {area} stops at row 10,000 and silently drops the rest.",
            "Scheduled {area}s did not arrive in our inboxes this week.",
            "The revenue {area} double counts refunds.",
            "Our custom {area} template disappeared from the library.",
            "Running the usage {area} times out after a few minutes.",
            "Numbers in the {area} do not match what we see in the source system.",
        ],
        problem_subjects: &[
            "Scheduled reports not delivered",
            "Report totals are wrong",
            "Report times out",
            "Missing report template",
        ],
        questions: &[
            "Can a {area} be scheduled for the first business day of each month?",
            "How can we add a custom column to the standard {area}?",
            "Is it possible to give read-only access to a single {area}?",
            "What is the best way to compare two periods in one {area}?",
        ],
        question_subjects: &[
            "Custom columns in reports",
            "Report scheduling question",
            "Read-only report access",
        ],
    },
    Area {
        key: "api",
        noun: "API",
        problems: &[
            "Calls to the {area} return 500 errors for about a third of our requests.",
            "The {area} started rejecting our token with a 401 although nothing changed on our side.",
            "We are hitting rate limits on the {area} far below the documented quota.",
            "Pagination in the {area} skips records when the page size is above 100.",
            "The {area} returns timestamps without a time zone, which breaks our sync.",
            "Since the last deploy the {area} takes more than ten seconds to respond.",
        ],
        problem_subjects: &[
            "API returning 500 errors",
            "API token rejected",
            "Unexpected API rate limiting",
            "API pagination skipping records",
            "API responses very slow",
        ],
        questions: &[
            "Is there a sandbox for the {area} where we can test without touching production data?",
            "Which {area} endpoint should we use to fetch users in bulk?",
            "Do you plan to support webhooks in the {area}?",
            "What is the recommended retry policy for the {area}?",
        ],
        question_subjects: &[
            "API sandbox access",
            "Bulk user endpoint",
            "Webhook support in the API",
        ],
    },
    Area {
        key: "integrations",
        noun: "integration",
        problems: &[
            "Our Salesforce {area} stopped syncing two days ago.",
            "The Slack {area} posts duplicate messages for every alert.",
            "The HubSpot {area} keeps disconnecting and asks us to re-authenticate.",
            "Records created through the {area} are missing custom fields.",
            "The {area} sync log is full of mapping errors we cannot interpret.",
            "The Jira {area} creates tickets in the wrong project.",
        ],
        problem_subjects: &[
            "Salesforce sync stopped",
            "Integration keeps disconnecting",
            "Duplicate Slack messages",
            "Integration mapping errors",
        ],
        questions: &[
            "Can the Salesforce {area} sync custom objects?",
            "How do we move the Slack {area} to a different workspace?",
            "Is an {area} with Microsoft Teams on the roadmap?",
            "How often does the {area} sync run?",
        ],
        question_subjects: &[
            "Salesforce custom objects",
            "Teams integration roadmap",
            "Integration sync frequency",
        ],
    },
    Area {
        key: "alerts",
        noun: "alert",
        problems: &[
            "We receive the same {area} five times within a minute.",
            "Critical {area}s were not sent at all during the weekend.",
            "{Area} e-mails land in spam since you changed the sender address.",
            "Threshold {area}s fire even though the metric is well below the limit.",
            "Muted {area}s keep coming back after a day.",
        ],
        problem_subjects: &[
            "Duplicate alerts",
            "Alerts not firing",
            "Alert e-mails going to spam",
            "False alerts",
        ],
        questions: &[
            "Can an {area} be routed to a different channel depending on severity?",
            "How do we set quiet hours for {area}s?",
            "Is it possible to group related {area}s into one notification?",
        ],
        question_subjects: &[
            "Alert routing by severity",
            "Quiet hours for alerts",
            "Grouping alerts",
        ],
    },
    Area {
        key: "workflows",
        noun: "workflow",
        problems: &[
            "An approval {area} is stuck in the pending state for all new requests.",
            "Our onboarding {area} skipped the second step for every record yesterday.",
            "Editing a {area} throws a generic error and our changes are lost.",
            "Scheduled {area}s run twice, which creates duplicate tasks.",
            "The {area} builder freezes when we add more than ten steps.",
        ],
        problem_subjects: &[
            "Workflow stuck in pending",
            "Workflows running twice",
            "Cannot save workflow",
            "Workflow builder freezing",
        ],
        questions: &[
            "Can a {area} trigger on a field change instead of on creation?",
            "Is there a way to version a {area} before publishing it?",
            "How many steps can a single {area} have?",
        ],
        question_subjects: &[
            "Workflow triggers",
            "Versioning workflows",
            "Workflow step limits",
        ],
    },
    Area {
        key: "exports",
        noun: "export",
        problems: &[
            "CSV {area}s come out with broken characters in names with accents.",
            "The nightly {area} to our S3 bucket failed three nights in a row.",
            "Large {area}s never finish and the download link expires.",
            "The {area} file is missing the columns we added last month.",
        ],
        problem_subjects: &[
            "Export failing",
            "Broken characters in CSV export",
            "Nightly export to S3 failed",
            "Export missing columns",
        ],
        questions: &[
            "Can we send an {area} directly to Google Drive?",
            "Is there a way to limit an {area} to the rows changed since yesterday?",
            "What is the maximum size of a single {area}?",
        ],
        question_subjects: &[
            "Export to Google Drive",
            "Incremental exports",
            "Export size limits",
        ],
    },
    Area {
        key: "sso",
        noun: "SSO",
        problems: &[
            "Half of our users cannot log in through {area} since this morning.",
            "The {area} login loops back to the sign-in page.",
            "New employees are no longer provisioned automatically through {area}.",
            "Our Okta {area} certificate shows as invalid in your admin console.",
            "People who left the company can still log in although {area} deprovisioned them.",
        ],
        problem_subjects: &[
            "Users cannot log in via SSO",
            "SSO login loop",
            "SSO provisioning broken",
            "SSO certificate error",
        ],
        questions: &[
            "How do we rotate the {area} certificate without downtime?",
            "Can we enforce {area} for all users except two service accounts?",
            "Do you support SCIM together with {area}?",
        ],
        question_subjects: &["Rotating the SSO certificate", "Enforcing SSO", "SCIM support"],
    },
    Area {
        key: "mobile",
        noun: "mobile app",
        problems: &[
            "The {area} crashes on start for everyone on Android 14.",
            "Push notifications from the {area} stopped arriving.",
            "The {area} logs people out every few minutes.",
            "Offline mode in the {area} loses the changes made while offline.",
        ],
        problem_subjects: &[
            "Mobile app crashing",
            "No push notifications",
            "Mobile app keeps logging out",
            "Offline changes lost",
        ],
        questions: &[
            "Is there a way to deploy the {area} through our MDM?",
            "Does the {area} support biometric login?",
            "When will the {area} get the new dashboard view?",
        ],
        question_subjects: &["Mobile app and MDM", "Biometric login", "Mobile roadmap"],
    },
    Area {
        key: "analytics",
        noun: "analytics module",
        problems: &[
            "Queries in the {area} fail with an out of memory error.",
            "The cohort view in the {area} shows no data for last month.",
            "Funnel numbers in the {area} changed retroactively overnight.",
            "The {area} ignores the time zone configured for our workspace.",
        ],
        problem_subjects: &[
            "Analytics queries failing",
            "Cohorts empty",
            "Funnel numbers changed",
            "Analytics time zone wrong",
        ],
        questions: &[
            "Can the {area} join our own data from the warehouse?",
            "How far back does the {area} keep raw events?",
            "Is there a way to save a query in the {area} as a template?",
        ],
        question_subjects: &[
            "Joining warehouse data",
            "Data retention in analytics",
            "Saved query templates",
        ],
    },
    Area {
        key: "billing",
        noun: "invoice",
        problems: &[
            "This {area} charges us for 40 more seats than we actually use.",
            "We were billed twice for the same month.",
            "The renewal quote is almost 30 percent higher than last year.",
            "The {area} does not show our purchase order number, so finance cannot pay it.",
            "We were charged for an add-on we never ordered.",
            "The price increase at renewal was never communicated to us.",
        ],
        problem_subjects: &[
            "Incorrect invoice",
            "Double charge",
            "Renewal price increase",
            "Missing PO number on invoice",
            "Charged for an add-on we did not order",
        ],
        questions: &[
            "Can we switch from monthly to annual billing?",
            "Could you send a copy of the last {area} to our accounts payable address?",
            "How do we add a VAT number to the {area}?",
            "Can we move the renewal date to align with our fiscal year?",
        ],
        question_subjects: &[
            "Switching to annual billing",
            "Invoice copy request",
            "VAT number on invoice",
        ],
    },
    Area {
        key: "onboarding",
        noun: "onboarding",
        problems: &[
            "We are three weeks into {area} and still do not have a working environment.",
            "The {area} plan we agreed on has slipped twice already.",
            "Nobody has followed up on the {area} call we had last week.",
            "Our team cannot start because the {area} checklist is blocked on your side.",
            "The data migration promised during {area} has not started.",
        ],
        problem_subjects: &[
            "Onboarding delayed",
            "Onboarding plan slipping",
            "No follow-up after onboarding call",
            "Migration not started",
        ],
        questions: &[
            "Could we schedule a second {area} session for our regional team?",
            "Is there a recommended order for the {area} steps?",
            "Who is our main contact during {area}?",
        ],
        question_subjects: &[
            "Second onboarding session",
            "Onboarding steps",
            "Onboarding contact",
        ],
    },
    Area {
        key: "performance",
        noun: "platform",
        problems: &[
            "Pages take more than twenty seconds to load for all our users.",
            "The {area} has been extremely slow every morning between 9 and 11.",
            "Searches time out as soon as more than two people use them.",
            "Saving a record takes almost a minute.",
            "Everything in the {area} feels sluggish since the migration to the new region.",
            "We measured response times three times higher than last month.",
        ],
        problem_subjects: &[
            "Platform very slow",
            "Timeouts during peak hours",
            "Slow searches",
            "Latency since the migration",
        ],
        questions: &[
            "Is there a status page where we can follow {area} performance?",
            "Do you have guidance on keeping large workspaces fast?",
            "Which region is our {area} hosted in?",
        ],
        question_subjects: &[
            "Status page question",
            "Performance best practices",
            "Hosting region",
        ],
    },
    Area {
        key: "data_import",
        noun: "data import",
        problems: &[
            "The {area} fails at 80 percent with no error message.",
            "Our historical records were imported with the wrong dates.",
            "The {area} created thousands of duplicate contacts.",
            "The {area} template rejects files that follow the documented format.",
        ],
        problem_subjects: &[
            "Data import failing",
            "Imported dates are wrong",
            "Duplicates after import",
            "Import template rejects our file",
        ],
        questions: &[
            "What is the fastest way to run a {area} of five years of history?",
            "Can a {area} be scheduled to run every night?",
            "Which file formats does the {area} accept?",
        ],
        question_subjects: &[
            "Importing historical data",
            "Scheduled imports",
            "Import file formats",
        ],
    },
    Area {
        key: "user_management",
        noun: "user management",
        problems: &[
            "Our new admin cannot access the admin console.",
            "We cannot transfer ownership of workspaces from the person who left.",
            "Permissions were reset for the whole team after we changed roles.",
            "Deactivated users still count towards our seat total.",
            "Nobody on our side knows how the account was configured after our admin left.",
        ],
        problem_subjects: &[
            "Admin access needed",
            "Transfer ownership from a departed employee",
            "Permissions reset",
            "Deactivated users counted as seats",
        ],
        questions: &[
            "How do we transfer admin rights to a new colleague?",
            "Can we create a custom role with read-only access?",
            "Is there an audit log of {area} changes?",
        ],
        question_subjects: &["Transferring admin rights", "Custom roles", "Audit log"],
    },
];
