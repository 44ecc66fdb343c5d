/* results.h — TEMPORARY: what lib/results.{c,h} held is now lib/record.h
 * (the call record), lib/results_dir.h and lib/results_pickle.h; this
 * header goes once lib/report.c includes those (issue 17). */
#include "record.h"
#include "results_dir.h"
#include "results_pickle.h"
