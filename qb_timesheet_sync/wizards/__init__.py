from . import base_partner_merge
from . import qbo_map_wizard
from . import qbo_resync_wizard
from . import qbo_send_wizard
from . import qbo_send_wizard_background
