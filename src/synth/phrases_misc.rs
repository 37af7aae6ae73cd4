//! Phrase bank, part 3: NPS comments, communications between CSMs and customers, and
//! CSM feedback notes. `{area}` is filled in by `text`.

/// NPS comments of detractors (0–6).
pub(crate) const NPS_DETRACTOR: [&str; 14] = [
    "Too many bugs lately.",
    "Support takes days to respond.",
    "The product is slow and unreliable.",
    "Pricing went up but the product did not get better.",
    "We are not getting the value we were promised.",
    "The {area} keeps breaking.",
    "Onboarding was painful and is still not finished.",
    "Hard to justify the cost to leadership.",
    "Nobody from your side has checked in with us for months.",
    "Our team has mostly stopped using it.",
    "Too expensive for what it does.",
    "Frequent outages hurt our trust.",
    "The {area} is a constant source of frustration.",
    "We feel like nobody listens to our feedback.",
];

/// NPS comments of passives (7–8).
pub(crate) const NPS_PASSIVE: [&str; 12] = [
    "Does the job, but the {area} could be better.",
    "Good product, support is hit and miss.",
    "Solid overall, some rough edges.",
    "Fine for now, we are watching the price.",
    "Useful, but the learning curve is steep.",
    "Works well most of the time.",
    "Decent, would like more integrations.",
    "The {area} is okay, nothing special.",
    "We use it every day, but it feels dated.",
    "Reliable, though releases sometimes break things.",
    "Happy enough, the {area} needs work.",
    "Good value, average support.",
];

/// NPS comments of promoters (9–10).
pub(crate) const NPS_PROMOTER: [&str; 12] = [
    "Love the {area}, it saves us hours every week.",
    "Great product and a fantastic support team.",
    "Our whole company relies on it now.",
    "Best tool we bought this year.",
    "Excellent customer success manager.",
    "Easy to use and very reliable.",
    "The new {area} is brilliant.",
    "Support always goes the extra mile.",
    "Would recommend to anyone in our industry.",
    "Constant improvements, keep it up!",
    "The {area} changed how our team works.",
    "Great experience from day one.",
];

/// Outbound CSM messages `(subject, body)` per kind; see `text::OutKind`.
pub(crate) const OUT_CHECK_IN: [(&str, &str); 6] = [
    (
        "Checking in",
        "Hi {name}, just checking in to see how things are going with the platform.",
    ),
    (
        "Quick check-in",
        "Hi {name}, anything we can help your team with this month?",
    ),
    (
        "How is the {area} working for you?",
        "Hi {name}, I noticed your team uses the {area} a lot. Any feedback?",
    ),
    (
        "Catching up",
        "Hi {name}, do you have 20 minutes next week to catch up?",
    ),
    (
        "Your account health review",
        "Hi {name}, I put together a short summary of your usage. Happy to walk you through it.",
    ),
    (
        "Touching base",
        "Hi {name}, wanted to touch base and share a few tips for the {area}.",
    ),
];
/// Quarterly business review invitations.
pub(crate) const OUT_QBR: [(&str, &str); 4] = [
    (
        "Quarterly business review",
        "Hi {name}, shall we schedule our quarterly review? I will bring usage trends and the roadmap.",
    ),
    (
        "QBR agenda",
        "Hi {name}, attached is the draft agenda for our QBR. Let me know what to add.",
    ),
    (
        "Planning our next review",
        "Hi {name}, could you propose a slot for the next business review?",
    ),
    (
        "QBR follow-up",
        "Hi {name}, thanks for the review. Summary and action items below.",
    ),
];
/// Renewal conversations.
pub(crate) const OUT_RENEWAL: [(&str, &str); 5] = [
    (
        "Your renewal is coming up",
        "Hi {name}, your contract renews soon. Can we set up time to discuss?",
    ),
    (
        "Renewal proposal",
        "Hi {name}, please find the renewal proposal attached.",
    ),
    (
        "Renewal options",
        "Hi {name}, I have prepared a couple of options for the renewal.",
    ),
    (
        "Re: renewal pricing",
        "Hi {name}, following up on the pricing questions from our last call.",
    ),
    (
        "Contract renewal next steps",
        "Hi {name}, what do you need from us to move the renewal forward?",
    ),
];
/// Product news.
pub(crate) const OUT_RELEASE: [(&str, &str); 4] = [
    (
        "New in this release",
        "Hi {name}, the latest release improves the {area}. Release notes attached.",
    ),
    (
        "Invitation: product roadmap webinar",
        "Hi {name}, you are invited to our roadmap webinar next Thursday.",
    ),
    (
        "Beta program for the {area}",
        "Hi {name}, would your team like early access to the new {area}?",
    ),
    (
        "Tips for the {area}",
        "Hi {name}, a few best practices our customers use with the {area}.",
    ),
];
/// Training and onboarding.
pub(crate) const OUT_ONBOARDING: [(&str, &str); 5] = [
    (
        "Welcome aboard",
        "Hi {name}, welcome! Here is the plan for your first weeks.",
    ),
    (
        "Onboarding next steps",
        "Hi {name}, next step is connecting your data. Shall we book a session?",
    ),
    (
        "Training session for your team",
        "Hi {name}, happy to run a training session for new users.",
    ),
    (
        "Onboarding checklist",
        "Hi {name}, here is the checklist. Three items are still open on your side.",
    ),
    (
        "Kick-off recap",
        "Hi {name}, thanks for the kick-off. Recap and timeline attached.",
    ),
];
/// Follow-ups on a problem the customer has.
pub(crate) const OUT_ISSUE: [(&str, &str); 6] = [
    (
        "Following up on the {area} issue",
        "Hi {name}, our engineers are looking into the {area} problem. Any update on your side?",
    ),
    (
        "Update on your ticket",
        "Hi {name}, quick update on your {area} ticket: we have a fix in testing.",
    ),
    (
        "Can we talk about the {area}?",
        "Hi {name}, I saw the recent tickets about the {area}. Could we jump on a call?",
    ),
    (
        "Checking on the {area} problem",
        "Hi {name}, is the {area} behaving better since yesterday?",
    ),
    (
        "Any news?",
        "Hi {name}, I have not heard back from you. Is everything alright?",
    ),
    (
        "Second follow-up",
        "Hi {name}, just following up on my previous message.",
    ),
];
/// Messages during an open escalation.
pub(crate) const OUT_ESCALATION: [(&str, &str); 5] = [
    (
        "Escalation update",
        "Hi {name}, here is today's update on the escalation and the next steps.",
    ),
    (
        "Action plan",
        "Hi {name}, attached is the action plan we discussed with your leadership.",
    ),
    (
        "Executive call",
        "Hi {name}, our VP would like to join a call with you this week.",
    ),
    (
        "Daily status",
        "Hi {name}, daily status: the team is still working on the {area}.",
    ),
    (
        "Resolution plan for the {area}",
        "Hi {name}, we have a resolution plan for the {area} issue.",
    ),
];
/// Call and meeting notes logged by the CSM.
pub(crate) const CALL_NOTES: [(&str, &str); 6] = [
    (
        "Call notes",
        "Discussed usage, open tickets and goals for next quarter.",
    ),
    (
        "Meeting notes",
        "Walked through the roadmap; customer interested in the {area}.",
    ),
    (
        "Call: check-in",
        "Customer raised a few questions about the {area}.",
    ),
    (
        "Meeting: business review",
        "Reviewed adoption and ROI with the customer team.",
    ),
    (
        "Call: issue follow-up",
        "Customer unhappy about the {area}; agreed on next steps.",
    ),
    ("Call: renewal", "Talked about renewal timing and budget."),
];

/// Replies from the customer per mood: negative, neutral, positive.
pub(crate) const REPLIES: [&[&str]; 3] = [
    &[
        "We are still waiting for a real fix.",
        "Honestly we have bigger problems right now.",
        "Not a good time, we are dealing with the {area} issue.",
        "Please focus on fixing the {area} before anything else.",
        "I do not see the point of another call.",
    ],
    &[
        "Thanks for the note, we will get back to you.",
        "Let me check with the team.",
        "Received, will review this week.",
        "Can we do next week instead?",
        "Thanks, noted.",
    ],
    &[
        "Thanks, that works for us.",
        "Sounds good, Tuesday at 10 works.",
        "Great, looking forward to it.",
        "Perfect, thanks for the quick turnaround!",
        "Appreciate it, the team is happy.",
    ],
];

/// Spontaneous messages from the customer `(subject, body)` per mood.
pub(crate) const INBOUND: [&[(&str, &str)]; 3] = [
    &[
        (
            "Complaint about the {area}",
            "The {area} problems are hurting our business. We need a plan.",
        ),
        (
            "Unhappy with support",
            "Our tickets are not getting the attention they need.",
        ),
        (
            "Concerns before renewal",
            "Before we talk renewal we need the {area} issues resolved.",
        ),
        ("Need to talk", "Can we get on a call? Things are not going well."),
    ],
    &[
        (
            "Question about the {area}",
            "Quick question on how the {area} handles permissions.",
        ),
        ("Invoice question", "Could you resend last month's invoice?"),
        (
            "New team members",
            "We have new people joining, can they get a training?",
        ),
        (
            "Meeting request",
            "Can we schedule time to discuss our plans for next quarter?",
        ),
    ],
    &[
        (
            "Thank you",
            "Just wanted to say the {area} has been working great.",
        ),
        (
            "Feedback on the {area}",
            "Our team loves the {area}, a few ideas for improvement below.",
        ),
        (
            "Expansion",
            "We would like to add more seats for another department.",
        ),
        ("Case study", "Happy to be a reference customer if that helps."),
    ],
];

/// The customer's message that opens an escalation.
pub(crate) const ESCALATION_OPEN: [(&str, &str); 5] = [
    (
        "Formal escalation: {area}",
        "We are formally escalating the {area} situation. This needs executive attention.",
    ),
    (
        "We need to escalate",
        "After weeks of problems with the {area} we need to escalate this.",
    ),
    (
        "Executive escalation",
        "Our leadership has asked me to escalate. Please involve your management.",
    ),
    (
        "Urgent: considering alternatives",
        "Unless the {area} is fixed we will look at alternatives.",
    ),
    (
        "Escalation - service failure",
        "The service has failed us again. We expect a call today.",
    ),
];

/// CSM notes on alert verdicts, per verdict in contract order.
pub(crate) const FEEDBACK_NOTES: [&[&str]; 4] = [
    &[
        "Alert was spot on, customer escalated a few days later.",
        "Saw the same signals, escalation followed.",
        "Correct call, champion had gone quiet.",
        "Good catch, usage had been dropping for a week.",
        "Right on time, ticket volume was already climbing.",
    ],
    &[
        "Account is fine, usage dip was a holiday.",
        "Customer confirmed they are happy.",
        "Ticket spike was a single bulk import.",
        "Champion was on vacation, not disengaged.",
        "Seasonal slowdown, nothing to worry about.",
    ],
    &[
        "Escalation came out of nowhere for the model.",
        "No alert before the exec complaint.",
        "Model missed it, signals were only in calls.",
        "Missed: the problem was raised in a meeting, not in tickets.",
    ],
    &[
        "Reached out after the alert and fixed the issue before it blew up.",
        "Exec call defused the situation.",
        "Offered training, customer calmed down.",
        "Engineering fix shipped in time, no escalation.",
        "Discount at renewal kept them on board.",
    ],
];
