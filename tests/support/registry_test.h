// A gtest fixture with a plain Distribution registry started for each test:
// the setup every registry-facing test shares. Derived fixtures call
// PlainRegistryTest::SetUp() first and return when it skipped or failed.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "tests/support/registry_fixture.h"

namespace dl::test {

class PlainRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!registry_available()) GTEST_SKIP() << "docker-registry not installed (Debian package docker-registry)";
    auto reg = RegistryServer::start(RegistryMode::plain);
    ASSERT_TRUE(reg.ok()) << reg.error().message();
    reg_ = std::make_unique<RegistryServer>(std::move(*reg));
  }
  // True when the base setup did not leave a running registry.
  bool setup_stopped() const { return IsSkipped() || HasFatalFailure(); }

  std::unique_ptr<RegistryServer> reg_;
};

}  // namespace dl::test
