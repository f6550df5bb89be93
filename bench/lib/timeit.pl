#!/usr/bin/perl
# timeit.pl OUTFILE CMD [ARGS...] - run CMD (no shell) and append its wall
# time in seconds (CLOCK_MONOTONIC, microsecond resolution) to OUTFILE as
# one line "SECONDS". The clock is read right before fork and right after
# waitpid, so neither this interpreter's start nor a `date` process is
# counted: only CMD's own fork, exec and run. Exits with CMD's status
# (128 + signal when it was killed, 127 when it could not be executed).
# Perl's Time::HiRes comes with the perl package that autoconf needs.
use strict;
use warnings;
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);

@ARGV >= 2 or die "usage: timeit.pl OUTFILE CMD [ARGS...]\n";
my $out = shift @ARGV;
open(my $fh, '>>', $out) or die "timeit.pl: $out: $!\n";

my $t0 = clock_gettime(CLOCK_MONOTONIC);
my $pid = fork();
defined $pid or die "timeit.pl: fork: $!\n";
if ($pid == 0) {
    close($fh);
    { no warnings "exec"; exec { $ARGV[0] } @ARGV; }
    print STDERR "timeit.pl: cannot execute $ARGV[0]: $!\n";
    exit 127;
}
waitpid($pid, 0);
my $st = $?;
my $t1 = clock_gettime(CLOCK_MONOTONIC);
printf $fh "%.6f\n", $t1 - $t0;
close($fh) or die "timeit.pl: $out: $!\n";
exit($st & 127 ? 128 + ($st & 127) : $st >> 8);
