"""Labels of what staff are told, for the pages and the e-mails."""
from app.core.i18n import lazy_gettext as _l

NOTICE_LABELS = {"assigned": _l("Assigned to you"), "client_replied": _l("The client replied"),
                 "reopened": _l("Ticket reopened"), "sla_warning": _l("SLA warning"), "sla_breach": _l("SLA breached")}
CHANNEL_LABELS = {"app": _l("In Hourdesk (the bell)"), "email": _l("By e-mail")}
