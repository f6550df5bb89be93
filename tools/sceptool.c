#include "scep.h"
int main(void) { return 0; }
