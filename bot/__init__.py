"""Trợ lý Xã hội học tập — the channel-independent assistant.

Domain words used across the code (explained once here):
- công văn: an official letter; kế hoạch: a plan; quyết định: a decision; luật: a law;
  thông tư: a circular; chỉ thị: a directive.
- UBND (Ủy ban nhân dân): People's Committee (the provincial/district government).
- Sở GDĐT (Sở Giáo dục và Đào tạo): provincial Department of Education and Training.
- Bộ GDĐT: the Ministry of Education and Training.
- hạn báo cáo: reporting deadline; định kỳ / hằng năm: periodic / yearly.
- chủ trì / phối hợp: leads / cooperates (the two roles an agency takes in a task).
- XMC (xóa mù chữ): literacy eradication; PCGD (phổ cập giáo dục): universal education.
- TTHTCĐ (trung tâm học tập cộng đồng): community learning centre.
"""
