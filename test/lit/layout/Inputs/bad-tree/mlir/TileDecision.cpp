#include "oracle/Query.h"
