#!/usr/bin/env bash
# scripts/faults.sh — the standing hostile-input and fault suite: every test
# that keeps a finding of the hostile-input review fixed, and the guard's
# classification and dial tests, in one place. CI runs them with the rest
# (scripts/test.sh); this runs only them: scripts/faults.sh [go test flags].
# docs/security.md maps each guarantee to its test.
set -euo pipefail
cd "$(dirname "$0")/.."
run() { local pkg=$1; shift; local IFS='|'; go test -race -count=1 "$pkg" -run "^($*)\$" "${extra[@]}"; }
extra=("$@")
run ./crawl/netguard TestClassify TestGuardAllowLists TestCheckURL TestDialContextRefusesBeforeConnecting TestDialContextSkipsBlockedAddresses TestControlHookOnPlainDialer TestCheckHost
run ./crawl TestTooLargeIsNoReasonForTheBrowser TestEveryMethodKeepsRobotsAndPoliteness TestExtractionHasADeadline TestNoFallbackWhenPointless
run ./crawl/extract TestFiftyFiveThousandParagraphsExtractLikeALongArticle TestCutAfterTextNodes
run ./crawl/fetch TestRobotsStatuses
run ./crawl/render TestCompressionBombStopsAtTheByteBudget TestGuard TestEgressProxyAnswersOnlyItsBrowser TestSelfNavigationToRefusedURLEndsBlocked TestSandboxDecision TestSandboxAutoAsRoot TestSandboxKeptForUnprivilegedUser TestSweepStaleProfiles TestStartSweepsStaleProfiles
run ./etl/input TestDroppedFeedsGetStorableDistinctKeys TestFromFeedHTTP FuzzJSON FuzzJSONL FuzzCSV FuzzFeed FuzzDetect
run ./etl/pipeline TestUnreachableRobotsIsRetriedNotBlocked
run ./etl/jobs TestQueueBoundIsExactUnderConcurrentSubmits TestQueueBoundCountsTheRunsOwnFlashpoints TestQueueFullRefusesNewRuns TestFullDiskFailsTheRunWithENOSPCAndItResumes TestUnrecordableDiskFullStillEndsTheWait
run ./store/sqlite TestFullDiskIsErrNoSpace TestReadOnlyDatabaseSaysReadOnly
run ./store/postgres TestFullDiskIsErrNoSpace
run ./api TestAPIRefusesCrossSiteAndForeignHostRequests TestAPIWithKeyServesAnyHostButNoCrossSiteWrites TestAPIAuthRequired TestAPIRefusesUnauthenticatedNonLoopback
run ./config TestEffectiveRedactsPasswordsInURLs
run ./internal/cli TestNULByteFeedLeavesEveryGoodArticleOK TestDoctorShowsNoPassword TestDoctorSaysWhetherChromiumIsSandboxed
