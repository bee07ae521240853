import { NavLink, Navigate, Route, Routes } from "react-router-dom";

import type { Me } from "../api";
import "./admin.css";
import { Audit } from "./Audit";
import { Credentials } from "./Credentials";
import { Groups } from "./Groups";
import { Permissions } from "./Permissions";
import { Roles } from "./Roles";
import { Users } from "./Users";

const SECTIONS = [
  ["users", "Users"],
  ["groups", "Groups"],
  ["roles", "Roles"],
  ["permissions", "Permissions"],
  ["credentials", "Credentials"],
  ["audit", "Audit log"],
] as const;

/** Administration (administer capability; App routes /admin/* here only for administrators):
 * users, groups, roles, permissions per resource, credentials, the audit log. */
export function Administration({ me }: { me: Me }) {
  return (
    <div className="admin">
      <h1>Administration</h1>
      <nav aria-label="Administration" className="admin-nav">
        {SECTIONS.map(([path, label]) => (
          <NavLink key={path} to={`/admin/${path}`}>
            {label}
          </NavLink>
        ))}
      </nav>
      <Routes>
        <Route index element={<Navigate to="users" replace />} />
        <Route path="users" element={<Users me={me} />} />
        <Route path="users/:name" element={<Users me={me} />} />
        <Route path="groups" element={<Groups />} />
        <Route path="groups/:name" element={<Groups />} />
        <Route path="roles" element={<Roles />} />
        <Route path="roles/:name" element={<Roles />} />
        <Route path="permissions" element={<Permissions />} />
        <Route path="credentials" element={<Credentials />} />
        <Route path="credentials/:name" element={<Credentials />} />
        <Route path="audit" element={<Audit />} />
        <Route path="*" element={<Navigate to="/admin/users" replace />} />
      </Routes>
    </div>
  );
}
