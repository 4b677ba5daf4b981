// Internal to builder/deb: what dpkg does to the files of a package it
// upgrades, for a tree written as a layer over the base (or a directory).
// dpkg removes every path the old version listed that the new one does not
// and no other package lists; in a layer that is a whiteout, so the image
// keeps no stale files and `dpkg -V` stays clean. Conffiles stay, as dpkg
// keeps them, marked obsolete in the status entry; directories go when they
// are left empty; the old version's info/ files the new one lacks go too.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "builder/deb/install_state.h"

namespace dl::deb {

struct NewPackage {
  const Paragraph* control;  // the new version's control paragraph
  const std::string* list;   // its info/<pkg>.list text
};

// The base status entry a new package replaces (same name and architecture,
// or same name when neither is Multi-Arch: same), or null.
const Paragraph* replaced_entry(const std::vector<Paragraph>& base_status, const Paragraph& control);

// Conffiles of a replaced entry that the new version no longer ships, with
// their recorded md5: path -> md5 (kept on disk, listed as obsolete).
std::map<std::string, std::string> obsolete_conffiles(const Paragraph& old_entry,
                                                      const std::vector<std::string>& new_conffiles);

// Removes (whiteouts) what the upgraded packages' old versions leave behind.
// Call after every entry of the install is emitted.
Status remove_stale_files(InstallState& st, const std::vector<NewPackage>& pkgs);

}  // namespace dl::deb
