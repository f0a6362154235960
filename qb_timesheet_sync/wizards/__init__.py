from . import base_partner_merge
from . import qbo_map_wizard, qbo_map_wizard_choice
from . import qbo_resync_wizard, qbo_resync_wizard_line
from . import qbo_send_wizard_row
from . import (
    qbo_send_wizard,
    qbo_send_wizard_refusal,
    qbo_send_wizard_total,
    qbo_send_wizard_update,
)
from . import qbo_send_wizard_background
from . import qbo_conflict_wizard, qbo_conflict_wizard_line
