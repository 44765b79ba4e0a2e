#include "backend/slurm/scontrol_parse.h"

#include <gtest/gtest.h>

namespace straits::backend::slurm {
namespace {

TEST(ScontrolParse, ReadsReservationLines) {
  std::string text =
      "ReservationName=lease-000001 StartTime=2026-11-29T02:03:44 EndTime=2026-11-29T03:03:44 "
      "Duration=01:00:00 Nodes=sg1-n[1-2] NodeCnt=2 CoreCnt=128 Features=(null) "
      "PartitionName=(null) Flags=OVERLAP,IGNORE_JOBS,SPEC_NODES TRES=cpu=128 Users=(null) "
      "Groups=(null) Accounts=lease-000001 Licenses=(null) State=INACTIVE BurstBuffer=(null) "
      "Watts=n/a MaxStartDelay=(null)\n"
      "ReservationName=part StartTime=2026-11-29T02:00:00 EndTime=2026-11-29T04:00:00 "
      "Duration=02:00:00 Nodes=sg1-n1 NodeCnt=1 CoreCnt=16 Features=(null) PartitionName=gpu "
      "Flags= NodeName=sg1-n1 CoreIDs=0-15 TRES=cpu=16 Users=(null) Groups=(null) "
      "Accounts=b,a State=ACTIVE\n";
  Result<std::vector<ReservationInfo>> parsed = ParseReservations(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 2u);
  const ReservationInfo& first = (*parsed)[0];
  EXPECT_EQ(first.name, "lease-000001");
  EXPECT_EQ(first.start.ToString(), "2026-11-29T02:03:44Z");
  EXPECT_EQ(first.end.ToString(), "2026-11-29T03:03:44Z");
  EXPECT_EQ(first.nodes, (std::vector<std::string>{"sg1-n1", "sg1-n2"}));
  EXPECT_EQ(first.accounts, (std::vector<std::string>{"lease-000001"}));
  EXPECT_EQ(first.state, "INACTIVE");
  EXPECT_EQ((*parsed)[1].accounts, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ((*parsed)[1].nodes, (std::vector<std::string>{"sg1-n1"}));
}

TEST(ScontrolParse, NoReservationsIsEmpty) {
  Result<std::vector<ReservationInfo>> parsed =
      ParseReservations("No reservations in the system\n");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->empty());
}

TEST(ScontrolParse, UnreadableTimeNamesTheLine) {
  Result<std::vector<ReservationInfo>> parsed =
      ParseReservations("ReservationName=x StartTime=soon EndTime=2026-11-29T03:03:44\n");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().field(), "scontrol:1");
}

TEST(ScontrolParse, HostListsTimesAndTres) {
  EXPECT_EQ(*ExpandSlurmHostList("a[1-2,5],b7"),
            (std::vector<std::string>{"a1", "a2", "a5", "b7"}));
  EXPECT_TRUE(ExpandSlurmHostList("(null)")->empty());
  EXPECT_EQ(ParseSlurmTime("Unknown"), std::nullopt);
  EXPECT_EQ(FormatSlurmTime(*ParseSlurmTime("2026-11-29T02:03:44")), "2026-11-29T02:03:44");
  EXPECT_EQ(TresCount("billing=1,cpu=1,gres/gpu=2,node=1", "gres/gpu"), 2);
  EXPECT_EQ(TresCount("cpu=1", "gres/gpu"), 0);
  auto rows = ParseParsable("1|a||x\n\n2|b|c|d\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"1", "a", "", "x"}));
}

}  // namespace
}  // namespace straits::backend::slurm
