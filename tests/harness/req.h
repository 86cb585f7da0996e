#pragma once
#include <gtest/gtest.h>
#include <initializer_list>
#include <string>
// Tags the running test with RFC 9293 requirement IDs; tools/conformance reads them from gtest XML.
namespace ustack::testing { inline void record_requirements(std::initializer_list<const char*> ids) {
  std::string all; for (const char* id : ids) { if (!all.empty()) all += ","; all += id; }
  ::testing::Test::RecordProperty("rfc9293", all); } }
#define USTACK_REQ(...) ::ustack::testing::record_requirements({__VA_ARGS__})
