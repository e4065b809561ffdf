#include "session/Session.h"
#include "oracle/Oracle.h"
#include "plugin/Registration.h"
