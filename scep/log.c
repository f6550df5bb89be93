/* log.c - placeholder, being written */
#include "config.h"

#include "scep-int.h"
